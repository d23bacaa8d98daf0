// Shared setup of the import/resync/lifecycle tests: a real slapd seeded with N users, a real
// backend (dist/server.js over stdio) whose secret/get answers the reader password, an OpenLDAP
// realm over LDAPS, and direct reads of the database file to check rows and bytes.
import { readFileSync } from 'node:fs';
import initSqlJs from 'sql.js';
import type { SqlValue } from 'sql.js';
import type { Realm, RealmInput } from '../../protocol/model';
import { RealmSave } from '../../protocol/rpc';
import { startSlapd, type SlapdHandle, type StartSlapdOptions } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';

export interface DirectoryFixture {
  slapd: SlapdHandle;
  backend: BackendHandle;
  realm: Realm;
}

/**
 * Starts slapd, a backend and a realm. Stop with {@link stopDirectoryFixture} in the suite's
 * `after` (an `after` registered inside a `before` hook would run right after that hook).
 */
export async function startDirectoryFixture(
  slapdOptions: StartSlapdOptions,
  realmOverrides: Partial<RealmInput> = {},
  clientName = 'import-tests',
): Promise<DirectoryFixture> {
  const slapd = await startSlapd({ awkward: false, ...slapdOptions });
  const backend = await startBackend({ clientName, secrets: () => slapd.readerPassword, requestTimeoutMs: 120_000 });
  const realm = await backend.request(RealmSave, {
    realm: {
      name: 'Test OpenLDAP',
      kind: 'openldap',
      url: slapd.ldapsUrl,
      caCertPath: slapd.caCertPath,
      bindDn: slapd.readerDn,
      baseDn: slapd.peopleDn,
      timeoutMs: 5000,
      connectTimeoutMs: 3000,
      ...realmOverrides,
    },
  });
  return { slapd, backend, realm };
}

export async function stopDirectoryFixture(fx: DirectoryFixture | undefined): Promise<void> {
  await fx?.backend.stop();
  await fx?.slapd.stop();
}

let sql: Awaited<ReturnType<typeof initSqlJs>> | undefined;

/** Rows of a query against the database file as it is on disk now. */
export async function queryFile(path: string, query: string, params: SqlValue[] = []): Promise<Record<string, SqlValue>[]> {
  sql ??= await initSqlJs();
  const db = new sql.Database(readFileSync(path));
  try {
    const stmt = db.prepare(query);
    stmt.bind(params);
    const rows: Record<string, SqlValue>[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject());
    stmt.free();
    return rows;
  } finally {
    db.close();
  }
}

export function fileBytes(path: string): Buffer {
  return readFileSync(path);
}

/** LDIF change records deleting the given DNs (one ldapmodify run for many deletes). */
export function deleteLdif(dns: readonly string[]): string {
  return dns.map((dn) => `dn: ${dn}\nchangetype: delete\n`).join('\n');
}

export function modifyLdif(dn: string, changes: Record<string, string>): string {
  const parts = Object.entries(changes).map(([attr, value]) => `replace: ${attr}\n${attr}: ${value}\n-`);
  return `dn: ${dn}\nchangetype: modify\n${parts.join('\n')}\n`;
}

/** Expects `promise` to reject with a JSON-RPC error of `code`; returns the error. */
export async function rejectsWithCode(promise: Promise<unknown>, code: number): Promise<{ code: number; message: string; data?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; message: string; data?: Record<string, unknown> };
    if (e.code !== code) throw new Error(`expected error ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  throw new Error(`expected error ${code}, but the request succeeded`);
}
