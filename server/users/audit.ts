// The audit trail: every write to users, roles or realms records who (the client name given at
// initialize), what, when, and the before/after of each field. Rows outlive the users they name
// (no foreign key), so a deleted user's history stays readable.
import type { Database, SqlValue, Statement } from 'sql.js';
import type { AuditEntry, FieldChange } from '../../protocol/model';

export type AuditAction =
  | 'user.import'
  | 'user.update'
  | 'user.resync'
  | 'user.missing'
  | 'user.convert'
  | 'user.loginEnabled'
  | 'user.createInternal'
  | 'user.delete'
  | 'user.detach'
  | 'user.roles'
  | 'role.save'
  | 'realm.resync'
  | 'realm.delete';

export interface AuditRecord {
  action: AuditAction;
  userId?: number;
  realmId?: number;
  username?: string;
  changes: FieldChange[];
}

/** Records audit rows inside the caller's transaction with one prepared statement. */
export class AuditRecorder {
  private stmt?: Statement;

  constructor(
    private readonly db: Database,
    private readonly actor: string,
    private readonly at: string,
  ) {}

  record(entry: AuditRecord): void {
    this.stmt ??= this.db.prepare(
      'INSERT INTO audit (at, actor, action, user_id, realm_id, username, changes) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.stmt.run([
      this.at,
      this.actor,
      entry.action,
      entry.userId ?? null,
      entry.realmId ?? null,
      entry.username ?? null,
      JSON.stringify(entry.changes),
    ]);
  }

  free(): void {
    this.stmt?.free();
    this.stmt = undefined;
  }
}

/** Runs `body` with a recorder whose statement is freed afterwards. */
export function withAudit<T>(db: Database, actor: string, at: string, body: (audit: AuditRecorder) => T): T {
  const audit = new AuditRecorder(db, actor, at);
  try {
    return body(audit);
  } finally {
    audit.free();
  }
}

function auditEntryFrom(row: SqlValue[]): AuditEntry {
  const entry: AuditEntry = {
    id: Number(row[0]),
    at: String(row[1]),
    actor: String(row[2]),
    action: String(row[3]),
    changes: JSON.parse(String(row[7] ?? '[]')) as FieldChange[],
  };
  if (row[4] !== null) entry.userId = Number(row[4]);
  if (row[5] !== null) entry.realmId = Number(row[5]);
  if (row[6] !== null) entry.username = String(row[6]);
  return entry;
}

/** Newest first; filtered by user and/or realm. */
export function listAudit(db: Database, filter: { userId?: number; realmId?: number; limit?: number }): AuditEntry[] {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (filter.userId !== undefined) {
    where.push('user_id = ?');
    params.push(filter.userId);
  }
  if (filter.realmId !== undefined) {
    where.push('realm_id = ?');
    params.push(filter.realmId);
  }
  params.push(Math.max(1, Math.min(filter.limit ?? 200, 10_000)));
  const stmt = db.prepare(
    `SELECT id, at, actor, action, user_id, realm_id, username, changes FROM audit
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
  );
  try {
    stmt.bind(params);
    const out: AuditEntry[] = [];
    while (stmt.step()) out.push(auditEntryFrom(stmt.get()));
    return out;
  } finally {
    stmt.free();
  }
}
