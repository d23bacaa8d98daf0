// Realms (LDAP directory connections) in the `realms` table. Stores what the realm handlers have
// already validated and completed with defaults; never a password (those stay in SecretStorage).
import type { AttributeMap, Realm, RoleRef } from '../../protocol/model';
import { bit, flag, integer, jsonValue, nowIso, nullable, optionalText, text, type RowSource } from './repositorySupport';
import type { Row } from './store';

/** A complete realm without the fields the database assigns. */
export type RealmRecord = Omit<Realm, 'id' | 'createdAt' | 'updatedAt'>;

const columns = `id, name, kind, url, start_tls, ca_cert_path, tls_server_name, allow_insecure, bind_dn, base_dn,
  scope, user_filter, attributes, page_size, connect_timeout_ms, timeout_ms, enabled, default_roles, created_at, updated_at`;

function toRealm(row: Row): Realm {
  const realm: Realm = {
    id: integer(row.id),
    name: text(row.name),
    kind: text(row.kind) as Realm['kind'],
    url: text(row.url),
    startTls: flag(row.start_tls),
    allowInsecure: flag(row.allow_insecure),
    bindDn: text(row.bind_dn),
    baseDn: text(row.base_dn),
    scope: text(row.scope) as Realm['scope'],
    userFilter: text(row.user_filter),
    attributes: jsonValue<AttributeMap>(row.attributes, {} as AttributeMap),
    pageSize: integer(row.page_size),
    connectTimeoutMs: integer(row.connect_timeout_ms),
    timeoutMs: integer(row.timeout_ms),
    enabled: flag(row.enabled),
    defaultRoles: jsonValue<RoleRef[]>(row.default_roles, []),
    createdAt: text(row.created_at),
    updatedAt: text(row.updated_at),
  };
  const caCertPath = optionalText(row.ca_cert_path);
  if (caCertPath !== undefined) {
    realm.caCertPath = caCertPath;
  }
  const tlsServerName = optionalText(row.tls_server_name);
  if (tlsServerName !== undefined) {
    realm.tlsServerName = tlsServerName;
  }
  return realm;
}

function values(record: RealmRecord): (string | number | null)[] {
  return [
    record.name,
    record.kind,
    record.url,
    bit(record.startTls),
    nullable(record.caCertPath),
    nullable(record.tlsServerName),
    bit(record.allowInsecure),
    record.bindDn,
    record.baseDn,
    record.scope,
    record.userFilter,
    JSON.stringify(record.attributes),
    record.pageSize,
    record.connectTimeoutMs,
    record.timeoutMs,
    bit(record.enabled),
    JSON.stringify(record.defaultRoles),
  ];
}

export class RealmRepository {
  constructor(private readonly store: RowSource) {}

  list(): Realm[] {
    return this.store.all(`SELECT ${columns} FROM realms ORDER BY name COLLATE NOCASE, id`).map(toRealm);
  }

  get(id: number): Realm | undefined {
    const row = this.store.get(`SELECT ${columns} FROM realms WHERE id = ?`, [id]);
    return row && toRealm(row);
  }

  /** Case-insensitive, as names are unique regardless of case. */
  findByName(name: string): Realm | undefined {
    const row = this.store.get(`SELECT ${columns} FROM realms WHERE name = ? COLLATE NOCASE`, [name]);
    return row && toRealm(row);
  }

  /** Inside Store.write(). */
  insert(record: RealmRecord): Realm {
    const now = nowIso();
    const { lastInsertRowid } = this.store.run(
      `INSERT INTO realms (name, kind, url, start_tls, ca_cert_path, tls_server_name, allow_insecure, bind_dn, base_dn,
         scope, user_filter, attributes, page_size, connect_timeout_ms, timeout_ms, enabled, default_roles, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...values(record), now, now],
    );
    return this.get(lastInsertRowid)!;
  }

  /** Inside Store.write(). Returns undefined when the realm does not exist. */
  update(id: number, record: RealmRecord): Realm | undefined {
    const { changes } = this.store.run(
      `UPDATE realms SET name = ?, kind = ?, url = ?, start_tls = ?, ca_cert_path = ?, tls_server_name = ?,
         allow_insecure = ?, bind_dn = ?, base_dn = ?, scope = ?, user_filter = ?, attributes = ?, page_size = ?,
         connect_timeout_ms = ?, timeout_ms = ?, enabled = ?, default_roles = ?, updated_at = ?
       WHERE id = ?`,
      [...values(record), nowIso(), id],
    );
    return changes > 0 ? this.get(id) : undefined;
  }

  /** Inside Store.write(). Users of the realm are the caller's business (realm/delete's `users`). */
  delete(id: number): boolean {
    return this.store.run('DELETE FROM realms WHERE id = ?', [id]).changes > 0;
  }
}
