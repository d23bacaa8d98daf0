// The schema, as ordered migrations. `PRAGMA user_version` holds the number of migrations applied;
// `PRAGMA application_id` marks the file as ours so that another program's SQLite file is refused
// rather than migrated (reliability.md D7). Append new migrations; never edit a released one.
import type { Database } from 'sql.js';

/** "LDUM" in ASCII. */
export const applicationId = 0x4c44554d;

export const builtinRoles: readonly { name: string; description: string }[] = [
  { name: 'Administrator', description: 'Full control over the server, its users and their roles.' },
  { name: 'User Manager', description: 'Manages users, their roles and imports from directories.' },
  { name: 'Project Contributor', description: 'Creates and edits content in the projects they are given.' },
  { name: 'Viewer', description: 'Reads the projects they are given.' },
];

const migrations: readonly ((db: Database) => void)[] = [
  // 1: realms, users, roles, role assignments, audit
  (db) => {
    db.run(`
      -- AUTOINCREMENT: ids are never reused, so users kept from a deleted realm are never
      -- adopted by the next realm, and audit history never points at a newer user.
      CREATE TABLE realms (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        kind TEXT NOT NULL CHECK (kind IN ('openldap', 'activeDirectory', 'generic')),
        url TEXT NOT NULL,
        start_tls INTEGER NOT NULL DEFAULT 0,
        ca_cert_path TEXT,
        tls_server_name TEXT,
        allow_insecure INTEGER NOT NULL DEFAULT 0,
        bind_dn TEXT NOT NULL,
        base_dn TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT 'sub' CHECK (scope IN ('sub', 'one')),
        user_filter TEXT NOT NULL DEFAULT '',
        attributes TEXT NOT NULL DEFAULT '{}',
        page_size INTEGER NOT NULL,
        connect_timeout_ms INTEGER NOT NULL,
        timeout_ms INTEGER NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        default_roles TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        category TEXT NOT NULL CHECK (category IN ('internal', 'external')),
        realm_id INTEGER,
        ldap_uuid TEXT,
        ldap_dn TEXT,
        display_name TEXT NOT NULL DEFAULT '',
        given_name TEXT,
        surname TEXT,
        email TEXT,
        department TEXT,
        title TEXT,
        phone TEXT,
        login_enabled INTEGER NOT NULL DEFAULT 1,
        ldap_disabled INTEGER NOT NULL DEFAULT 0,
        missing_since TEXT,
        imported_at TEXT,
        synced_at TEXT,
        raw_attributes TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (realm_id, ldap_uuid)
      );
      CREATE INDEX users_realm ON users (realm_id);
      CREATE TABLE roles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        description TEXT,
        builtin INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE role_assignments (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
        scope TEXT NOT NULL DEFAULT '',
        UNIQUE (user_id, role_id, scope)
      );
      CREATE INDEX role_assignments_role ON role_assignments (role_id);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        user_id INTEGER,
        realm_id INTEGER,
        username TEXT,
        changes TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX audit_user ON audit (user_id, id);
      CREATE INDEX audit_realm ON audit (realm_id, id);
    `);
    const insertRole = db.prepare('INSERT INTO roles (name, description, builtin) VALUES (?, ?, 1)');
    try {
      for (const role of builtinRoles) {
        insertRole.run([role.name, role.description]);
      }
    } finally {
      insertRole.free();
    }
  },
];

/** The schema version this build writes. */
export const schemaVersion = migrations.length;

export function readUserVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
}

export function readApplicationId(db: Database): number {
  return Number(db.exec('PRAGMA application_id')[0]?.values[0]?.[0] ?? 0);
}

/** Applies the missing migrations in one transaction; returns how many ran. */
export function migrate(db: Database): number {
  const from = readUserVersion(db);
  if (from >= schemaVersion) {
    return 0;
  }
  db.run('BEGIN');
  try {
    for (let version = from; version < schemaVersion; version++) {
      migrations[version](db);
    }
    db.run(`PRAGMA application_id = ${applicationId}`);
    db.run(`PRAGMA user_version = ${schemaVersion}`);
    db.run('COMMIT');
  } catch (error) {
    db.run('ROLLBACK');
    throw error;
  }
  return schemaVersion - from;
}
