// Roles and role assignments in the registry: listing, saving, resolving the RoleRefs requests
// carry (by id or by name), and rewriting a user's assignments with an audit row.
import type { Database } from 'sql.js';
import type { Role, RoleRef } from '../../protocol/model';
import type { AuditRecorder } from './audit';
import { describeAssignments, normaliseAssignments, sameAssignments, type Assignment } from './roleMerge';
import { invalidUserInput, userConflict } from './userErrors';
import { queryRows } from './userRows';

export function listRoles(db: Database): Role[] {
  return queryRows(db, 'SELECT id, name, description FROM roles ORDER BY id', [], (r) => {
    const role: Role = { id: Number(r[0]), name: String(r[1]) };
    if (r[2] !== null && r[2] !== '') role.description = String(r[2]);
    return role;
  });
}

/** Role names by id, for audit text and user details. */
export function roleNames(db: Database): Map<number, string> {
  return new Map(listRoles(db).map((r) => [r.id, r.name]));
}

/** Turns request RoleRefs into assignments; an unknown role is a 1002 naming `field`. */
export function resolveRoleRefs(db: Database, refs: readonly RoleRef[] | undefined, field = 'roles'): Assignment[] {
  if (!refs || refs.length === 0) return [];
  if (!Array.isArray(refs)) throw invalidUserInput(field, `${field} must be a list of roles ({ roleId } or { name }, with an optional scope).`);
  const roles = listRoles(db);
  const byId = new Map(roles.map((r) => [r.id, r]));
  const byName = new Map(roles.map((r) => [r.name.toLowerCase(), r]));
  const out: Assignment[] = [];
  for (const ref of refs) {
    if (ref === null || typeof ref !== 'object') throw invalidUserInput(field, `Each entry of ${field} must be { roleId } or { name }.`);
    let role: Role | undefined;
    if (typeof ref.roleId === 'number') role = byId.get(ref.roleId);
    else if (typeof ref.name === 'string') role = byName.get(ref.name.trim().toLowerCase());
    else throw invalidUserInput(field, `Each entry of ${field} must give a roleId or a role name.`);
    if (!role) {
      const known = roles.map((r) => r.name).join(', ');
      throw invalidUserInput(field, `There is no role ${ref.roleId ?? `"${ref.name}"`}. Known roles: ${known}.`);
    }
    if (ref.scope !== undefined && ref.scope !== null && typeof ref.scope !== 'string') {
      throw invalidUserInput(field, `The scope of role "${role.name}" must be text.`);
    }
    out.push(ref.scope ? { roleId: role.id, scope: ref.scope } : { roleId: role.id });
  }
  return normaliseAssignments(out);
}

export function readUserAssignments(db: Database, userId: number): Assignment[] {
  return queryRows(db, 'SELECT role_id, scope FROM role_assignments WHERE user_id = ? ORDER BY role_id, scope', [userId], (r) =>
    r[1] ? { roleId: Number(r[0]), scope: String(r[1]) } : { roleId: Number(r[0]) },
  );
}

/**
 * Sets a user's assignments to `next`; records a `user.roles` audit row with before/after text.
 * Returns false (and writes nothing) when they are already equal.
 */
export function writeUserAssignments(
  db: Database,
  user: { id: number; username: string; realmId?: number | null },
  next: readonly Assignment[],
  audit: AuditRecorder,
  names: ReadonlyMap<number, string>,
): boolean {
  const current = readUserAssignments(db, user.id);
  if (sameAssignments(current, next)) return false;
  db.run('DELETE FROM role_assignments WHERE user_id = ?', [user.id]);
  const insert = db.prepare('INSERT INTO role_assignments (user_id, role_id, scope) VALUES (?, ?, ?)');
  try {
    for (const a of normaliseAssignments(next)) insert.run([user.id, a.roleId, a.scope ?? '']);
  } finally {
    insert.free();
  }
  const name = (id: number) => names.get(id) ?? `role ${id}`;
  audit.record({
    action: 'user.roles',
    userId: user.id,
    realmId: user.realmId ?? undefined,
    username: user.username,
    changes: [{ field: 'roles', before: describeAssignments(current, name) || null, after: describeAssignments(next, name) || null }],
  });
  return true;
}

/** Creates a role (no id) or renames / re-describes one; names are unique case-insensitively. */
export function saveRole(db: Database, input: { id?: number; name: string; description?: string }, audit: AuditRecorder): Role {
  if (input === null || typeof input !== 'object') throw invalidUserInput('role', 'role must be { name, description? }.');
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > 100) throw invalidUserInput('role.name', 'A role needs a name of 1 to 100 characters.');
  const description = typeof input.description === 'string' && input.description.trim() ? input.description.trim() : null;
  const holder = queryRows(db, 'SELECT id FROM roles WHERE name = ? COLLATE NOCASE', [name], (r) => Number(r[0]))[0];
  if (holder !== undefined && holder !== input.id) throw userConflict(`A role named "${name}" already exists; choose another name.`);
  if (input.id === undefined || input.id === null) {
    const id = queryRows(db, 'INSERT INTO roles (name, description) VALUES (?, ?) RETURNING id', [name, description], (r) => Number(r[0]))[0];
    audit.record({ action: 'role.save', changes: [{ field: 'role', before: null, after: name }] });
    return description ? { id, name, description } : { id, name };
  }
  if (typeof input.id !== 'number') throw invalidUserInput('role.id', 'role.id must be a number.');
  const before = listRoles(db).find((r) => r.id === input.id);
  if (!before) throw invalidUserInput('role.id', `There is no role with id ${input.id}; refresh the role list.`);
  db.run('UPDATE roles SET name = ?, description = ? WHERE id = ?', [name, description, input.id]);
  const changes = [];
  if (before.name !== name) changes.push({ field: 'name', before: before.name, after: name });
  if ((before.description ?? null) !== description) changes.push({ field: 'description', before: before.description ?? null, after: description });
  if (changes.length) audit.record({ action: 'role.save', changes });
  return description ? { id: input.id, name, description } : { id: input.id, name };
}
