// Users of the registry (internal ones and external ones imported from a realm). An external
// user's identity is (realm_id, ldap_uuid); the username is unique regardless of case.
import type { RoleRef, User, UserCategory } from '../../protocol/model';
import type { UserListParams, UserSortField } from '../../protocol/rpc';
import { bit, flag, integer, jsonValue, nowIso, optionalInteger, optionalText, text, type RowSource } from './repositorySupport';
import type { RoleRepository } from './roleRepository';
import type { Row } from './store';

/** Everything stored about a user except the id and the role assignments. */
export type UserRecord = Omit<User, 'id' | 'roles'> & {
  /** The LDAP attributes as last read (text values; binary ones as base64). */
  rawAttributes?: Record<string, string[]>;
};

/** What user/list asks for: filter (text is a case-insensitive substring of username, display
 * name, given name, surname or email), sort and page. */
export type UserQuery = UserListParams;

const fieldColumns = {
  username: 'username',
  category: 'category',
  realmId: 'realm_id',
  ldapUuid: 'ldap_uuid',
  ldapDn: 'ldap_dn',
  displayName: 'display_name',
  givenName: 'given_name',
  surname: 'surname',
  email: 'email',
  department: 'department',
  title: 'title',
  phone: 'phone',
  loginEnabled: 'login_enabled',
  ldapDisabled: 'ldap_disabled',
  missingSince: 'missing_since',
  importedAt: 'imported_at',
  syncedAt: 'synced_at',
  rawAttributes: 'raw_attributes',
} as const satisfies Record<keyof UserRecord, string>;

const recordFields = Object.keys(fieldColumns) as (keyof UserRecord)[];

const sortColumns: Record<UserSortField, string> = {
  username: 'username COLLATE NOCASE',
  displayName: 'display_name COLLATE NOCASE',
  syncedAt: 'synced_at',
  importedAt: 'imported_at',
  email: 'email COLLATE NOCASE',
};

const userColumns = `id, username, category, realm_id, ldap_uuid, ldap_dn, display_name, given_name, surname, email,
  department, title, phone, login_enabled, ldap_disabled, missing_since, imported_at, synced_at`;

const optionalTextFields = [
  ['ldapUuid', 'ldap_uuid'],
  ['ldapDn', 'ldap_dn'],
  ['givenName', 'given_name'],
  ['surname', 'surname'],
  ['email', 'email'],
  ['department', 'department'],
  ['title', 'title'],
  ['phone', 'phone'],
  ['missingSince', 'missing_since'],
  ['importedAt', 'imported_at'],
  ['syncedAt', 'synced_at'],
] as const;

function toUser(row: Row, roles: RoleRef[]): User {
  const user: User = {
    id: integer(row.id),
    username: text(row.username),
    category: text(row.category) as UserCategory,
    displayName: text(row.display_name),
    loginEnabled: flag(row.login_enabled),
    ldapDisabled: flag(row.ldap_disabled),
    roles,
  };
  const realmId = optionalInteger(row.realm_id);
  if (realmId !== undefined) {
    user.realmId = realmId;
  }
  for (const [field, column] of optionalTextFields) {
    const value = optionalText(row[column]);
    if (value !== undefined) {
      user[field] = value;
    }
  }
  return user;
}

function columnValue(field: keyof UserRecord, value: UserRecord[keyof UserRecord]): string | number | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (field === 'rawAttributes') {
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean') {
    return bit(value);
  }
  return value as string | number;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class UserRepository {
  constructor(
    private readonly store: RowSource,
    private readonly roles?: RoleRepository,
  ) {}

  private withRoles(rows: Row[]): User[] {
    if (rows.length === 0) {
      return [];
    }
    const ids = rows.map((row) => integer(row.id));
    const assignments = this.roles?.assignmentsByUser(rows.length > 500 ? undefined : ids) ?? new Map();
    return rows.map((row) => toUser(row, assignments.get(integer(row.id)) ?? []));
  }

  get(id: number): User | undefined {
    return this.withRoles(this.store.all(`SELECT ${userColumns} FROM users WHERE id = ?`, [id]))[0];
  }

  /** Users by id, in the order given; unknown ids are left out. */
  getMany(ids: readonly number[]): User[] {
    const rows = this.store.all(`SELECT ${userColumns} FROM users WHERE id IN (SELECT value FROM json_each(?))`, [
      JSON.stringify(ids),
    ]);
    const byId = new Map(this.withRoles(rows).map((user) => [user.id, user]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Case-insensitive. */
  findByUsername(username: string): User | undefined {
    return this.withRoles(this.store.all(`SELECT ${userColumns} FROM users WHERE username = ? COLLATE NOCASE`, [username]))[0];
  }

  findByUuid(realmId: number, ldapUuid: string): User | undefined {
    return this.withRoles(
      this.store.all(`SELECT ${userColumns} FROM users WHERE realm_id = ? AND ldap_uuid = ?`, [realmId, ldapUuid]),
    )[0];
  }

  /** Every user of a realm (for import status and resync), ordered by id. */
  listByRealm(realmId: number): User[] {
    return this.withRoles(this.store.all(`SELECT ${userColumns} FROM users WHERE realm_id = ? ORDER BY id`, [realmId]));
  }

  list(query: UserQuery = {}): { users: User[]; total: number } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.realmId !== undefined) {
      where.push('realm_id = ?');
      params.push(query.realmId);
    }
    if (query.category !== undefined) {
      where.push('category = ?');
      params.push(query.category);
    }
    const search = query.text?.trim();
    if (search) {
      const pattern = `%${escapeLike(search)}%`;
      where.push(
        `(username LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\' OR given_name LIKE ? ESCAPE '\\' ` +
          `OR surname LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')`,
      );
      params.push(pattern, pattern, pattern, pattern, pattern);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = integer(this.store.get(`SELECT count(*) AS n FROM users ${filter}`, params)?.n);
    const sort = query.sort ?? { field: 'username', direction: 'asc' };
    const order = `${sortColumns[sort.field]} ${sort.direction === 'desc' ? 'DESC' : 'ASC'}, id`;
    const rows = this.store.all(`SELECT ${userColumns} FROM users ${filter} ORDER BY ${order} LIMIT ? OFFSET ?`, [
      ...params,
      query.limit ?? -1,
      query.offset ?? 0,
    ]);
    return { users: this.withRoles(rows), total };
  }

  count(filter: { realmId?: number } = {}): number {
    return filter.realmId === undefined
      ? integer(this.store.get('SELECT count(*) AS n FROM users')?.n)
      : integer(this.store.get('SELECT count(*) AS n FROM users WHERE realm_id = ?', [filter.realmId])?.n);
  }

  rawAttributes(id: number): Record<string, string[]> {
    return jsonValue(this.store.get('SELECT raw_attributes FROM users WHERE id = ?', [id])?.raw_attributes, {});
  }

  /**
   * Inside Store.write(). Returns the new id. Uses one prepared statement, so calling it in a loop
   * inside a single write() is the fast way to insert many users.
   */
  insert(record: UserRecord): number {
    const now = nowIso();
    return this.store.run(
      `INSERT INTO users (${recordFields.map((f) => fieldColumns[f]).join(', ')}, created_at, updated_at)
       VALUES (${recordFields.map(() => '?').join(', ')}, ?, ?)`,
      [...recordFields.map((field) => columnValue(field, record[field])), now, now],
    ).lastInsertRowid;
  }

  /** Inside Store.write(). Sets the fields whose keys are in `changes` (a key given as undefined clears it). */
  update(id: number, changes: Partial<UserRecord>): boolean {
    const fields = recordFields.filter((field) => field in changes);
    if (fields.length === 0) {
      return this.store.get('SELECT 1 AS found FROM users WHERE id = ?', [id]) !== undefined;
    }
    return (
      this.store.run(
        `UPDATE users SET ${fields.map((f) => `${fieldColumns[f]} = ?`).join(', ')}, updated_at = ? WHERE id = ?`,
        [...fields.map((field) => columnValue(field, changes[field])), nowIso(), id],
      ).changes > 0
    );
  }

  /** Inside Store.write(). Role assignments go with the user. Returns how many were deleted. */
  delete(ids: readonly number[]): number {
    return this.store.run('DELETE FROM users WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)]).changes;
  }
}
