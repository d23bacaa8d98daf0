// SQL for the users table as import, resync and lifecycle need it. Bulk paths reuse one prepared
// statement per kind of write for a whole request (sql.js compiles each prepare; 20k prepares
// cost more than the writes themselves) and read the registry in one pass.
import type { Database, SqlValue, Statement } from 'sql.js';
import type { UserCategory } from '../../protocol/model';
import type { LinkedUserState } from './entryDiff';
import type { RegistryUser, RegistryView } from './registryView';

const registryColumns =
  'id, username, category, realm_id, ldap_uuid, ldap_dn, display_name, given_name, surname, email, department, title, phone, ldap_disabled, missing_since';

function str(value: SqlValue): string | null {
  return value === null || value === undefined ? null : String(value);
}

function registryUserFrom(row: SqlValue[]): RegistryUser {
  return {
    id: Number(row[0]),
    username: String(row[1]),
    category: row[2] as UserCategory,
    realmId: row[3] === null ? null : Number(row[3]),
    ldapUuid: str(row[4]),
    ldapDn: str(row[5]),
    displayName: String(row[6] ?? ''),
    givenName: str(row[7]),
    surname: str(row[8]),
    email: str(row[9]),
    department: str(row[10]),
    title: str(row[11]),
    phone: str(row[12]),
    ldapDisabled: Number(row[13]) === 1,
    missingSince: str(row[14]),
  };
}

/**
 * Prepared statements kept per database for the lookups that run once per entry (compiling a
 * statement costs more than running it). sql.js frees them when the database is closed.
 */
const statementCache = new WeakMap<Database, Map<string, Statement>>();

function cachedRows<T>(db: Database, sql: string, params: SqlValue[], map: (row: SqlValue[]) => T): T[] {
  let statements = statementCache.get(db);
  if (!statements) statementCache.set(db, (statements = new Map()));
  let stmt = statements.get(sql);
  if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
  try {
    stmt.bind(params);
    const out: T[] = [];
    while (stmt.step()) out.push(map(stmt.get()));
    return out;
  } finally {
    stmt.reset();
  }
}

function allRows<T>(db: Database, sql: string, params: SqlValue[], map: (row: SqlValue[]) => T): T[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const out: T[] = [];
    while (stmt.step()) out.push(map(stmt.get()));
    return out;
  } finally {
    stmt.free();
  }
}

/** Every user of the registry, as planning sees them (one pass; bulk import). */
export function readAllRegistryUsers(db: Database): RegistryUser[] {
  return allRows(db, `SELECT ${registryColumns} FROM users`, [], registryUserFrom);
}

/**
 * What an import into `realmId` needs to know: every column of the realm's own users (they may
 * be updated), and only who holds which username for everyone else (conflicts). Reading the
 * narrow columns for the rest keeps a bulk import into a large registry cheap.
 */
export function readRegistryForRealmImport(db: Database, realmId: number): RegistryUser[] {
  const own = allRows(db, `SELECT ${registryColumns} FROM users WHERE realm_id = ?`, [realmId], registryUserFrom);
  const others = allRows(db, 'SELECT id, username, category, realm_id, ldap_uuid FROM users WHERE realm_id IS NOT ?', [realmId], (row) => ({
    id: Number(row[0]),
    username: String(row[1]),
    category: row[2] as UserCategory,
    realmId: row[3] === null ? null : Number(row[3]),
    ldapUuid: str(row[4]),
    ldapDn: null,
    displayName: '',
    givenName: null,
    surname: null,
    email: null,
    department: null,
    title: null,
    phone: null,
    ldapDisabled: false,
    missingSince: null,
  }));
  return own.concat(others);
}

/** SQL twin of entryDiff.linkedDigest (NULL columns as ''; display_name is NOT NULL). */
const linkedDigestSql = ['username', 'display_name', 'given_name', 'surname', 'email', 'department', 'title', 'phone', 'ldap_uuid', 'ldap_dn']
  .map((column) => (column === 'username' || column === 'display_name' ? column : `ifnull(${column}, '')`))
  .join(" || char(31) || ") + " || char(31) || ldap_disabled";

export interface RealmUserDigest {
  id: number;
  ldapUuid: string | null;
  missingSince: string | null;
  digest: string;
}

/** The realm's external users as digests: one decoded string per user instead of twelve columns. */
export function readRealmUserDigests(db: Database, realmId: number): RealmUserDigest[] {
  return allRows(db, `SELECT id, ldap_uuid, missing_since, ${linkedDigestSql} FROM users WHERE realm_id = ? AND category = 'external'`, [realmId], (r) => ({
    id: Number(r[0]),
    ldapUuid: str(r[1]),
    missingSince: str(r[2]),
    digest: String(r[3]),
  }));
}

/** Full rows of the given users, in id order. */
export function readRegistryUsers(db: Database, ids: readonly number[]): RegistryUser[] {
  const out: RegistryUser[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    out.push(...allRows(db, `SELECT ${registryColumns} FROM users WHERE id IN (${chunk.map(() => '?').join(',')})`, [...chunk], registryUserFrom));
  }
  return out.sort((a, b) => a.id - b.id);
}

/** The external users of one realm (realm resync). */
export function readRealmUsers(db: Database, realmId: number): RegistryUser[] {
  return allRows(db, `SELECT ${registryColumns} FROM users WHERE realm_id = ? AND category = 'external' ORDER BY id`, [realmId], registryUserFrom);
}

export function readRegistryUser(db: Database, userId: number): RegistryUser | undefined {
  return cachedRows(db, `SELECT ${registryColumns} FROM users WHERE id = ?`, [userId], registryUserFrom)[0];
}

/** A RegistryView asking the database per lookup (small imports, one-user resync). */
export class DatabaseRegistry implements RegistryView {
  constructor(private readonly db: Database) {}

  /**
   * Exact match, so the (realm_id, ldap_uuid) index answers it: identities are stored in the
   * mapper's canonical form (UUIDs and GUIDs in lower case), which is also what entries carry.
   */
  userByUuid(realmId: number, uuid: string): RegistryUser | undefined {
    return cachedRows(this.db, `SELECT ${registryColumns} FROM users WHERE realm_id = ? AND ldap_uuid = ?`, [realmId, uuid], registryUserFrom)[0];
  }

  userByUsername(username: string): RegistryUser | undefined {
    return cachedRows(this.db, `SELECT ${registryColumns} FROM users WHERE username = ?`, [username], registryUserFrom)[0];
  }
}

function linkedValues(state: LinkedUserState): SqlValue[] {
  return [
    state.username,
    state.displayName,
    state.givenName,
    state.surname,
    state.email,
    state.department,
    state.title,
    state.phone,
    state.ldapUuid,
    state.ldapDn,
    state.ldapDisabled ? 1 : 0,
    state.missingSince,
  ];
}

/** Prepared writes for one request; `free()` them when the request ends (also on error). */
export class UserWriter {
  private readonly statements: Statement[] = [];
  private insertStmt?: Statement;
  private updateStmt?: Statement;
  private assignStmt?: Statement;

  constructor(private readonly db: Database) {}

  private prepare(sql: string): Statement {
    const stmt = this.db.prepare(sql);
    this.statements.push(stmt);
    return stmt;
  }

  /** Creates an external user linked to an entry; returns its id. */
  insertExternal(realmId: number, state: LinkedUserState, now: string, raw?: Record<string, string[]>): number {
    this.insertStmt ??= this.prepare(
      `INSERT INTO users (username, display_name, given_name, surname, email, department, title, phone, ldap_uuid, ldap_dn,
         ldap_disabled, missing_since, category, realm_id, login_enabled, imported_at, synced_at, created_at, updated_at, raw_attributes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'external', ?, 1, ?, ?, ?, ?, ?) RETURNING id`,
    );
    const stmt = this.insertStmt;
    try {
      stmt.bind([...linkedValues(state), realmId, now, now, now, now, raw ? JSON.stringify(raw) : null]);
      stmt.step();
      return Number(stmt.get()[0]);
    } finally {
      stmt.reset();
    }
  }

  /**
   * Writes every LDAP-provided column of an existing user (the caller decided it changed), and
   * the raw attributes when given. `synced` = the values come from a directory read (not a
   * missing mark), so syncedAt moves.
   */
  updateLinked(userId: number, state: LinkedUserState, now: string, synced: boolean, raw?: Record<string, string[]>): void {
    this.updateStmt ??= this.prepare(
      `UPDATE users SET username = ?, display_name = ?, given_name = ?, surname = ?, email = ?, department = ?, title = ?,
         phone = ?, ldap_uuid = ?, ldap_dn = ?, ldap_disabled = ?, missing_since = ?,
         synced_at = CASE WHEN ? THEN ? ELSE synced_at END, updated_at = ?, raw_attributes = COALESCE(?, raw_attributes)
       WHERE id = ?`,
    );
    this.updateStmt.run([...linkedValues(state), synced ? 1 : 0, now, now, raw ? JSON.stringify(raw) : null, userId]);
  }

  assignRole(userId: number, roleId: number, scope: string | undefined): void {
    this.assignStmt ??= this.prepare('INSERT OR IGNORE INTO role_assignments (user_id, role_id, scope) VALUES (?, ?, ?)');
    this.assignStmt.run([userId, roleId, scope ?? '']);
  }

  free(): void {
    for (const stmt of this.statements.splice(0)) stmt.free();
    this.insertStmt = this.updateStmt = this.assignStmt = undefined;
  }
}

export { allRows as queryRows };
