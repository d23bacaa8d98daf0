// Issue 2 acceptance 1–3 against the real backend process and real files: creation, one writer
// per file (the second backend read-only, writes refused with 1202), damaged/foreign/newer files
// refused or read-only and left byte-identical, and every write on disk (read back by a fresh
// sql.js) when its response arrives, through a temp file and a rename.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import { Initialize, RoleList, RoleSave } from '../../protocol/rpc';
import { loadSqlEngine } from '../../server/store/sqlEngine';
import { makeTempDir, startBackend } from '../support/backendClient';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function rolesOnDisk(path: string): Promise<string[]> {
  const SQL = await loadSqlEngine();
  const db = new SQL.Database(readFileSync(path));
  try {
    return db.exec('SELECT name FROM roles ORDER BY id')[0].values.map((row) => String(row[0]));
  } finally {
    db.close();
  }
}

function isResponseError(code: number, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ResponseError, `expected a ResponseError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

/** A valid registry file made by the backend itself. */
async function makeRegistry(): Promise<string> {
  const backend = await startBackend();
  await backend.request(RoleSave, { role: { name: 'Auditor' } });
  await backend.stop();
  return backend.databasePath;
}

describe('database file through the backend', () => {
  test('initialize creates a new file; a new backend on it sees every saved entry', async () => {
    const databasePath = join(makeTempDir(), 'nested', '.vscode', 'ldap-users.sqlite');
    const first = await startBackend({ databasePath });
    assert.equal(first.initializeResult?.readOnly, false);
    assert.equal(first.initializeResult?.schemaVersion, 1);
    assert.match(first.initializeResult!.serverVersion, /^\d+\.\d+\.\d+/);
    assert.ok(existsSync(databasePath));
    await first.request(RoleSave, { role: { name: 'Auditor', description: 'Reads the audit trail' } });
    await first.request(RoleSave, { role: { name: 'Release Manager' } });
    assert.equal((await first.stop()).code, 0);

    const second = await startBackend({ databasePath });
    assert.equal(second.initializeResult?.readOnly, false);
    const names = (await second.request(RoleList, {})).map((role) => role.name);
    assert.deepEqual(names.slice(-2), ['Auditor', 'Release Manager']);
    assert.ok(names.includes('Administrator'));
  });

  test('a second backend on the same file is read-only with a reason and refuses writes with 1202', async () => {
    const writer = await startBackend({ clientName: 'window one' });
    const reader = await startBackend({ databasePath: writer.databasePath, clientName: 'window two' });
    assert.equal(reader.initializeResult?.readOnly, true);
    assert.match(reader.initializeResult!.readOnlyReason!, new RegExp(`process ${writer.pid}\\b`));
    assert.match(reader.initializeResult!.readOnlyReason!, /window one/);
    const before = sha256(writer.databasePath);
    await assert.rejects(reader.request(RoleSave, { role: { name: 'Nope' } }), isResponseError(ErrorCodes.databaseReadOnly, /window one/));
    assert.equal(sha256(writer.databasePath), before);
    assert.ok((await reader.request(RoleList, {})).length >= 4, 'reads work read-only');
    await writer.request(RoleSave, { role: { name: 'Still writable' } });
    assert.ok((await rolesOnDisk(writer.databasePath)).includes('Still writable'));
  });

  test('every write is on disk when its response arrives, saved through a temp file and a rename', async () => {
    const backend = await startBackend();
    const folder = join(backend.databasePath, '..');
    for (let n = 1; n <= 5; n++) {
      const inodeBefore = statSync(backend.databasePath).ino;
      const role = await backend.request(RoleSave, { role: { name: `Role ${n}` } });
      assert.ok((await rolesOnDisk(backend.databasePath)).includes(role.name), `role ${n} on disk at response time`);
      assert.notEqual(statSync(backend.databasePath).ino, inodeBefore, 'the file was replaced by a rename, not rewritten in place');
      assert.deepEqual(readdirSync(folder).filter((name) => name.includes('.tmp-')), [], 'no temp file left');
    }
    const renamed = await backend.request(RoleSave, { role: { id: 5, name: 'Role One' } });
    assert.equal(renamed.id, 5);
    assert.ok((await rolesOnDisk(backend.databasePath)).includes('Role One'));
    await assert.rejects(
      backend.request(RoleSave, { role: { name: 'role one' } }),
      isResponseError(ErrorCodes.conflict, /already exists/),
    );
  });

  const damaged: [string, (valid: Buffer) => Buffer][] = [
    ['a 0-byte file', () => Buffer.alloc(0)],
    ['a truncated file', (valid) => valid.subarray(0, Math.floor(valid.length / 2))],
    ['a file cut inside its header', (valid) => valid.subarray(0, 60)],
    ['random bytes', () => Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256))],
    ['a text file', () => Buffer.from('{"realms": []}\n')],
    ['an SQLite header with garbage pages', (valid) => Buffer.concat([valid.subarray(0, 100), Buffer.alloc(valid.length - 100, 0xab)])],
  ];
  for (const [what, make] of damaged) {
    test(`${what} fails initialize with 1201 and is left byte-identical`, async () => {
      const valid = readFileSync(await makeRegistry());
      const path = join(makeTempDir(), 'registry.sqlite');
      writeFileSync(path, make(valid));
      const hash = sha256(path);
      const backend = await startBackend({ databasePath: path, initialize: false });
      await assert.rejects(
        backend.request(Initialize, { databasePath: path }),
        isResponseError(ErrorCodes.databaseCorrupt, /left untouched/),
      );
      assert.equal(sha256(path), hash);
      assert.deepEqual(readdirSync(join(path, '..')), ['registry.sqlite'], 'no lock or temp file left');
      await assert.rejects(backend.request(RoleList, {}), isResponseError(-32002), 'still uninitialized');
      await backend.stop();
      assert.equal(sha256(path), hash);
    });
  }

  test('a valid SQLite file of another program fails with 1201 and is left byte-identical', async () => {
    const SQL = await loadSqlEngine();
    const db = new SQL.Database();
    db.run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'keep me\')');
    const path = join(makeTempDir(), 'registry.sqlite');
    writeFileSync(path, db.export());
    db.close();
    const hash = sha256(path);
    await assert.rejects(startBackend({ databasePath: path }), isResponseError(ErrorCodes.databaseCorrupt, /another program/));
    assert.equal(sha256(path), hash);
  });

  test('a file from a newer schema opens read-only with a clear reason and is never written', async () => {
    const SQL = await loadSqlEngine();
    const source = await makeRegistry();
    const db = new SQL.Database(readFileSync(source));
    db.run('PRAGMA user_version = 99');
    const path = join(makeTempDir(), 'registry.sqlite');
    writeFileSync(path, db.export());
    db.close();
    const hash = sha256(path);
    const backend = await startBackend({ databasePath: path });
    assert.equal(backend.initializeResult?.readOnly, true);
    assert.equal(backend.initializeResult?.schemaVersion, 99);
    assert.match(backend.initializeResult!.readOnlyReason!, /newer version/);
    assert.ok((await backend.request(RoleList, {})).some((role) => role.name === 'Auditor'));
    await assert.rejects(backend.request(RoleSave, { role: { name: 'X' } }), isResponseError(ErrorCodes.databaseReadOnly, /newer version/));
    await backend.stop();
    assert.equal(sha256(path), hash);
  });

  test('a file with a -wal sidecar of a native SQLite tool opens read-only; neither file is touched', async () => {
    const path = join(makeTempDir(), 'registry.sqlite');
    copyFileSync(await makeRegistry(), path);
    writeFileSync(`${path}-wal`, Buffer.alloc(4096, 1));
    const hashes = [sha256(path), sha256(`${path}-wal`)];
    const backend = await startBackend({ databasePath: path });
    assert.equal(backend.initializeResult?.readOnly, true);
    assert.match(backend.initializeResult!.readOnlyReason!, /-wal/);
    await assert.rejects(backend.request(RoleSave, { role: { name: 'X' } }), isResponseError(ErrorCodes.databaseReadOnly));
    await backend.stop();
    assert.deepEqual([sha256(path), sha256(`${path}-wal`)], hashes);
  });
});

describe('requests the backend refuses', () => {
  test('before initialize, requests are refused with a clear error', async () => {
    const backend = await startBackend({ initialize: false });
    await assert.rejects(backend.request(RoleList, {}), isResponseError(-32002, /initialize/));
    await assert.rejects(backend.request(RoleSave, { role: { name: 'X' } }), isResponseError(-32002));
  });

  test('a second initialize is refused and leaves the first one in place', async () => {
    const backend = await startBackend();
    await assert.rejects(
      backend.request(Initialize, { databasePath: join(makeTempDir(), 'other.sqlite') }),
      isResponseError(-32600, /already initialized/),
    );
    assert.ok((await backend.request(RoleList, {})).length >= 4);
  });

  test('positional params, non-object params and wrong field types are refused, naming the field', async () => {
    const backend = await startBackend();
    await assert.rejects(backend.requestRaw(RoleSave.method, [{ name: 'X' }]), isResponseError(-32602, /by position/));
    await assert.rejects(backend.requestRaw(RoleSave.method, 'X'), (error: unknown) => error instanceof ResponseError);
    for (const [params, field] of [
      [{}, 'role'],
      [{ role: 'Admin' }, 'role'],
      [{ role: { name: 42 } }, 'role.name'],
      [{ role: { name: '   ' } }, 'role.name'],
      [{ role: { name: 'x'.repeat(5000) } }, 'role.name'],
      [{ role: { id: 1.5, name: 'X' } }, 'role.id'],
      [{ role: { id: '1', name: 'X' } }, 'role.id'],
    ] as const) {
      await assert.rejects(backend.requestRaw(RoleSave.method, params), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, ErrorCodes.invalidInput, `${JSON.stringify(params).slice(0, 80)}: ${error.message}`);
        assert.equal((error.data as { field?: string }).field, field);
        assert.ok(!/\n\s+at /.test(error.message), 'no stack trace in the message');
        return true;
      });
    }
    await assert.rejects(
      backend.request(Initialize, { databasePath: 'relative/path.sqlite' }),
      (error: unknown) => error instanceof ResponseError,
    );
  });
});
