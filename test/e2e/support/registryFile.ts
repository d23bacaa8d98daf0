// Reads the user registry file the extension wrote (the backend saves it atomically, so a copy
// read at any moment is a consistent database), for assertions on what is really stored.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { REPO_ROOT } from './tools';

type Row = Record<string, unknown>;

let engine: ReturnType<typeof initSqlJs> | undefined;

/** Runs one query on a snapshot of the registry file and returns its rows as objects. */
export async function queryRegistry(databasePath: string, sql: string, params: (string | number | null)[] = []): Promise<Row[]> {
  engine ??= initSqlJs({ wasmBinary: readFileSync(join(REPO_ROOT, 'node_modules/sql.js/dist/sql-wasm.wasm')) });
  const SQL = await engine;
  const db = new SQL.Database(readFileSync(databasePath));
  try {
    const stmt = db.prepare(sql);
    stmt.bind(params);
    const rows: Row[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject());
    stmt.free();
    return rows;
  } finally {
    db.close();
  }
}

/** The registry's user row with this username, or undefined. */
export async function registryUser(databasePath: string, username: string): Promise<Row | undefined> {
  const rows = await queryRegistry(databasePath, 'SELECT * FROM users WHERE username = ? COLLATE NOCASE', [username]);
  return rows[0];
}
