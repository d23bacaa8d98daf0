// User lifecycle writes: create an internal user, edit an internal user's fields, convert
// between internal and external, enable/disable login, delete. Each runs inside the caller's
// transaction and records audit rows with before/after values.
import type { Database, SqlValue } from 'sql.js';
import type { CreateInternalParams, UserFields } from '../../protocol/rpc';
import type { FieldChange } from '../../protocol/model';
import type { AuditRecorder } from './audit';
import { diffLinkedState, stateFromEntry, type EntryData, type LinkedUserState } from './entryDiff';
import type { RegistryUser } from './registryView';
import { describeAssignments, type Assignment } from './roleMerge';
import { invalidUserInput, userConflict, userNotFound } from './userErrors';
import { queryRows, readRegistryUser, UserWriter } from './userRows';
import { describeNameConflict } from './usernameClaims';

export const editableFields = ['displayName', 'givenName', 'surname', 'email', 'department', 'title', 'phone'] as const;
type EditableField = (typeof editableFields)[number];
const columnOf: Record<EditableField, string> = {
  displayName: 'display_name',
  givenName: 'given_name',
  surname: 'surname',
  email: 'email',
  department: 'department',
  title: 'title',
  phone: 'phone',
};

export function requireUser(db: Database, userId: unknown, field = 'userId'): RegistryUser {
  if (typeof userId !== 'number' || !Number.isInteger(userId)) throw invalidUserInput(field, `${field} must be a user id (a whole number).`);
  const user = readRegistryUser(db, userId);
  if (!user) throw userNotFound(userId, field);
  return user;
}

/** Refuses usernames that would be unusable or ambiguous. */
export function checkUsername(value: unknown, field = 'username'): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidUserInput(field, 'Enter a username.');
  const username = value.trim();
  if (username.length > 256) throw invalidUserInput(field, 'A username may have at most 256 characters.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(username)) throw invalidUserInput(field, 'A username may not contain control characters.');
  return username;
}

function textField(fields: Record<string, unknown>, field: string, required: boolean): string | null | undefined {
  const value = fields[field];
  if (value === undefined) return undefined;
  if (value === null) {
    if (required) throw invalidUserInput(field, `${field} cannot be empty.`);
    return null;
  }
  if (typeof value !== 'string') throw invalidUserInput(field, `${field} must be text.`);
  const trimmed = value.trim();
  if (trimmed.length > 1024) throw invalidUserInput(field, `${field} may have at most 1024 characters.`);
  if (trimmed === '' && required) throw invalidUserInput(field, `${field} cannot be empty.`);
  return trimmed === '' ? null : trimmed;
}

function usernameHolder(db: Database, username: string): RegistryUser | undefined {
  const id = queryRows(db, 'SELECT id FROM users WHERE username = ?', [username], (r) => Number(r[0]))[0];
  return id === undefined ? undefined : readRegistryUser(db, id);
}

export function createInternalUser(
  db: Database,
  params: CreateInternalParams,
  roles: readonly Assignment[],
  rolesDescription: string,
  now: string,
  audit: AuditRecorder,
): number {
  if (params === null || typeof params !== 'object') throw invalidUserInput('username', 'Give at least a username and a display name.');
  const username = checkUsername(params.username);
  const fields: Record<string, string | null> = {};
  for (const field of editableFields) {
    const value = textField(params as unknown as Record<string, unknown>, field, field === 'displayName');
    if (field === 'displayName' && value === undefined) throw invalidUserInput('displayName', 'Enter a display name.');
    fields[field] = value ?? null;
  }
  const holder = usernameHolder(db, username);
  if (holder) throw userConflict(`The username "${username}" is already used by user "${holder.username}" (id ${holder.id}); choose another one.`);
  const id = queryRows(
    db,
    `INSERT INTO users (username, category, display_name, given_name, surname, email, department, title, phone, login_enabled,
       created_at, updated_at) VALUES (?, 'internal', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
    [username, ...editableFields.map((f) => fields[f]), now, now],
    (r) => Number(r[0]),
  )[0];
  const writer = new UserWriter(db);
  try {
    for (const role of roles) writer.assignRole(id, role.roleId, role.scope);
  } finally {
    writer.free();
  }
  const changes: FieldChange[] = [{ field: 'username', before: null, after: username }, { field: 'category', before: null, after: 'internal' }];
  for (const field of editableFields) if (fields[field] !== null) changes.push({ field, before: null, after: fields[field] });
  if (rolesDescription) changes.push({ field: 'roles', before: null, after: rolesDescription });
  audit.record({ action: 'user.createInternal', userId: id, username, changes });
  return id;
}

/** Edits an internal user's fields; an external user's fields come from LDAP (1002). */
export function updateInternalUser(db: Database, userId: unknown, fields: UserFields, now: string, audit: AuditRecorder): FieldChange[] {
  const user = requireUser(db, userId);
  if (user.category !== 'internal') {
    throw invalidUserInput(
      'userId',
      `"${user.username}" is an external user: its information comes from LDAP. Resynchronize it, or convert it to internal first.`,
    );
  }
  if (fields === null || typeof fields !== 'object') throw invalidUserInput('fields', 'fields must be an object of user fields.');
  for (const key of Object.keys(fields)) {
    if (!(editableFields as readonly string[]).includes(key)) {
      throw invalidUserInput(`fields.${key}`, `"${key}" cannot be edited; editable fields: ${editableFields.join(', ')}.`);
    }
  }
  const changes: FieldChange[] = [];
  const sets: string[] = [];
  const values: SqlValue[] = [];
  for (const field of editableFields) {
    const next = textField(fields as Record<string, unknown>, field, field === 'displayName');
    if (next === undefined) continue;
    const before = (user[field] as string | null) || null;
    if (before === next) continue;
    changes.push({ field, before, after: next });
    sets.push(`${columnOf[field]} = ?`);
    values.push(next ?? (field === 'displayName' ? '' : null));
  }
  if (changes.length === 0) return changes;
  db.run(`UPDATE users SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`, [...values, now, user.id]);
  audit.record({ action: 'user.update', userId: user.id, username: user.username, changes });
  return changes;
}

/** External → internal: keeps roles and fields, drops the LDAP link (realm, UUID, DN, flags). */
export function convertToInternal(db: Database, userId: unknown, now: string, audit: AuditRecorder): void {
  const user = requireUser(db, userId);
  if (user.category === 'internal') throw invalidUserInput('to', `"${user.username}" is already an internal user.`);
  db.run(
    `UPDATE users SET category = 'internal', realm_id = NULL, ldap_uuid = NULL, ldap_dn = NULL, ldap_disabled = 0,
       missing_since = NULL, raw_attributes = NULL, updated_at = ? WHERE id = ?`,
    [now, user.id],
  );
  const changes: FieldChange[] = [
    { field: 'category', before: 'external', after: 'internal' },
    { field: 'realmId', before: user.realmId === null ? null : String(user.realmId), after: null },
  ];
  if (user.ldapUuid) changes.push({ field: 'ldapUuid', before: user.ldapUuid, after: null });
  if (user.ldapDn) changes.push({ field: 'ldapDn', before: user.ldapDn, after: null });
  if (user.ldapDisabled) changes.push({ field: 'ldapDisabled', before: true, after: false });
  if (user.missingSince) changes.push({ field: 'missingSince', before: user.missingSince, after: null });
  audit.record({ action: 'user.convert', userId: user.id, realmId: user.realmId ?? undefined, username: user.username, changes });
}

/**
 * Internal → external: links the user to `entry` of `realmId` and replaces its information with
 * the entry's. Refused (1301) when the entry is already linked to another user or its username
 * belongs to someone else.
 */
export function convertToExternal(
  db: Database,
  userId: unknown,
  realmId: number,
  entry: EntryData,
  uuidAttribute: string,
  now: string,
  audit: AuditRecorder,
): void {
  const user = requireUser(db, userId);
  if (user.category === 'external') {
    throw invalidUserInput('to', `"${user.username}" is already an external user; use Resynchronize to relink it to another entry.`);
  }
  if (!entry.uuid) {
    throw userConflict(`The entry ${entry.dn} has no ${uuidAttribute} value, so "${user.username}" cannot be linked to it by identity.`, { realmId });
  }
  const linked = queryRows(db, 'SELECT id, username FROM users WHERE realm_id = ? AND ldap_uuid = ?', [realmId, entry.uuid], (r) => ({
    id: Number(r[0]),
    username: String(r[1]),
  }))[0];
  if (linked && linked.id !== user.id) {
    throw userConflict(`The entry ${entry.dn} is already linked to user "${linked.username}" (id ${linked.id}).`, { realmId });
  }
  const holder = usernameHolder(db, entry.username);
  if (holder && holder.id !== user.id) throw userConflict(describeNameConflict(entry.username, { kind: 'user', user: holder }, realmId), { realmId });
  const state: LinkedUserState = stateFromEntry(entry);
  const changes: FieldChange[] = [
    { field: 'category', before: 'internal', after: 'external' },
    { field: 'realmId', before: null, after: String(realmId) },
    ...diffLinkedState(user, state),
  ];
  const writer = new UserWriter(db);
  try {
    writer.updateLinked(user.id, state, now, true);
  } finally {
    writer.free();
  }
  db.run(`UPDATE users SET category = 'external', realm_id = ?, imported_at = COALESCE(imported_at, ?) WHERE id = ?`, [realmId, now, user.id]);
  audit.record({ action: 'user.convert', userId: user.id, realmId, username: state.username, changes });
}

/** Returns the ids whose flag actually changed. */
export function setLoginEnabled(db: Database, userIds: readonly number[], enabled: boolean, now: string, audit: AuditRecorder): number[] {
  const changed: number[] = [];
  for (const id of userIds) {
    const user = requireUser(db, id, 'userIds');
    const current = queryRows(db, 'SELECT login_enabled FROM users WHERE id = ?', [id], (r) => Number(r[0]) === 1)[0];
    if (current === enabled) continue;
    db.run('UPDATE users SET login_enabled = ?, updated_at = ? WHERE id = ?', [enabled ? 1 : 0, now, id]);
    audit.record({
      action: 'user.loginEnabled',
      userId: id,
      realmId: user.realmId ?? undefined,
      username: user.username,
      changes: [{ field: 'loginEnabled', before: current, after: enabled }],
    });
    changed.push(id);
  }
  return changed;
}

/** Deletes users and their role assignments; their audit rows stay (with the username). */
export function deleteUsers(
  db: Database,
  userIds: readonly number[],
  audit: AuditRecorder,
  names: ReadonlyMap<number, string>,
): number {
  let deleted = 0;
  for (const id of userIds) {
    const user = requireUser(db, id, 'userIds');
    const roles = queryRows(db, 'SELECT role_id, scope FROM role_assignments WHERE user_id = ?', [id], (r) =>
      r[1] ? { roleId: Number(r[0]), scope: String(r[1]) } : { roleId: Number(r[0]) },
    );
    db.run('DELETE FROM role_assignments WHERE user_id = ?', [id]);
    db.run('DELETE FROM users WHERE id = ?', [id]);
    const changes: FieldChange[] = [
      { field: 'username', before: user.username, after: null },
      { field: 'category', before: user.category, after: null },
      { field: 'displayName', before: user.displayName, after: null },
    ];
    if (user.ldapUuid) changes.push({ field: 'ldapUuid', before: user.ldapUuid, after: null });
    if (roles.length) changes.push({ field: 'roles', before: describeAssignments(roles, (r) => names.get(r) ?? `role ${r}`), after: null });
    audit.record({ action: 'user.delete', userId: id, realmId: user.realmId ?? undefined, username: user.username, changes });
    deleted++;
  }
  return deleted;
}

/**
 * What realm/delete does to the realm's users. `keep`: they stay external users with their
 * UUID and roles but no realm (no reference to a realm that no longer exists; a new realm never inherits
 * them); a resync against another realm can relink them. `convertToInternal` / `delete` as
 * the single-user operations.
 */
export function detachRealmUsers(
  db: Database,
  realmId: number,
  mode: 'keep' | 'convertToInternal' | 'delete',
  now: string,
  audit: AuditRecorder,
  names: ReadonlyMap<number, string>,
): number {
  const users = queryRows(db, "SELECT id, username FROM users WHERE realm_id = ? AND category = 'external' ORDER BY id", [realmId], (r) => ({
    id: Number(r[0]),
    username: String(r[1]),
  }));
  const ids = users.map((u) => u.id);
  if (mode === 'convertToInternal') for (const id of ids) convertToInternal(db, id, now, audit);
  else if (mode === 'delete') deleteUsers(db, ids, audit, names);
  else {
    db.run("UPDATE users SET realm_id = NULL, updated_at = ? WHERE realm_id = ? AND category = 'external'", [now, realmId]);
    for (const user of users) {
      audit.record({ action: 'user.detach', userId: user.id, realmId, username: user.username, changes: [{ field: 'realmId', before: String(realmId), after: null }] });
    }
  }
  return ids.length;
}
