// The audit trail: one row per change, with who made it and each field's before/after.
import type { AuditEntry, FieldChange } from '../../protocol/model';
import { integer, jsonValue, nowIso, optionalInteger, optionalText, text, type RowSource } from './repositorySupport';
import type { Row } from './store';

export interface AuditRecord {
  actor: string;
  /** What happened, e.g. 'user.import', 'user.resync', 'role.assign', 'realm.save'. */
  action: string;
  userId?: number;
  realmId?: number;
  username?: string;
  changes?: FieldChange[];
  /** Defaults to now. */
  at?: string;
}

function toEntry(row: Row): AuditEntry {
  const entry: AuditEntry = {
    id: integer(row.id),
    at: text(row.at),
    actor: text(row.actor),
    action: text(row.action),
    changes: jsonValue<FieldChange[]>(row.changes, []),
  };
  const userId = optionalInteger(row.user_id);
  if (userId !== undefined) entry.userId = userId;
  const realmId = optionalInteger(row.realm_id);
  if (realmId !== undefined) entry.realmId = realmId;
  const username = optionalText(row.username);
  if (username !== undefined) entry.username = username;
  return entry;
}

export class AuditRepository {
  constructor(private readonly store: RowSource) {}

  /** Inside Store.write(). Never pass a password in `changes`. */
  append(record: AuditRecord): number {
    return this.store.run(
      'INSERT INTO audit (at, actor, action, user_id, realm_id, username, changes) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        record.at ?? nowIso(),
        record.actor,
        record.action,
        record.userId ?? null,
        record.realmId ?? null,
        record.username ?? null,
        JSON.stringify(record.changes ?? []),
      ],
    ).lastInsertRowid;
  }

  /** Newest first. */
  list(filter: { userId?: number; realmId?: number; limit?: number } = {}): AuditEntry[] {
    const limit = filter.limit ?? 200;
    if (filter.userId !== undefined) {
      return this.store
        .all('SELECT * FROM audit WHERE user_id = ? ORDER BY id DESC LIMIT ?', [filter.userId, limit])
        .map(toEntry);
    }
    if (filter.realmId !== undefined) {
      return this.store
        .all('SELECT * FROM audit WHERE realm_id = ? ORDER BY id DESC LIMIT ?', [filter.realmId, limit])
        .map(toEntry);
    }
    return this.store.all('SELECT * FROM audit ORDER BY id DESC LIMIT ?', [limit]).map(toEntry);
  }
}
