// Fault: the registry file the backend is pointed at is not a healthy registry of ours — 0 bytes,
// truncated (100-byte prefix, half), random bytes, a PNG, a valid SQLite database of another
// program, a damaged page, a folder, a newer schema, or a database a native SQLite tool left with
// a -wal / -journal sidecar.
// Expected: damaged or foreign files are refused at `initialize` with 1201 and a sentence saying
// what to do; newer-schema and sidecar files open read-only with the reason, and every write is
// refused with 1202. In every case the file (and the folder) are byte-identical afterwards — never
// overwritten, never "repaired" into an empty registry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import { Initialize, RoleList, RoleSave, UserCreateInternal } from '../../protocol/rpc';
import { loadSqlEngine } from '../../server/store/sqlEngine';
import { makeTempDir, startBackend } from '../support/backendClient';
import { tryEach, tryFault } from '../support/reliabilityTally';
import { expectRpcError, fingerprint, folderFingerprint } from './reliabilitySupport';

const category = 'database files';
let healthy: Buffer;

before(async () => {
  // A real registry written by the backend, with some content.
  const backend = await startBackend();
  await backend.request(RoleSave, { role: { name: 'auditor', description: 'Reads the audit log' } });
  await backend.request(UserCreateInternal, { username: 'alice', displayName: 'Alice Example' });
  await backend.stop();
  healthy = readFileSync(backend.databasePath);
  assert.ok(healthy.length >= 4096);
});

/** Writes `bytes` (or runs `make`) as registry.sqlite in a fresh folder; returns its path. */
function placeFile(make: (path: string) => void): string {
  const dir = makeTempDir('ldapum-dbfile-');
  const path = join(dir, 'registry.sqlite');
  make(path);
  return path;
}

async function foreignSqlite(): Promise<Buffer> {
  const SQL = await loadSqlEngine();
  const db = new SQL.Database();
  db.run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'not a user registry\')');
  const bytes = Buffer.from(db.export());
  db.close();
  return bytes;
}

function withDamagedPage(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const pageSize = copy.readUInt16BE(16) === 1 ? 65536 : copy.readUInt16BE(16);
  // Page 2 is a b-tree page of one of our tables: an invalid page type byte.
  copy[pageSize] = 0xff;
  copy.fill(0xee, pageSize + 1, pageSize + 64);
  return copy;
}

function withUserVersion(bytes: Buffer, version: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32BE(version, 60); // SQLite header: user_version at offset 60
  return copy;
}

describe('damaged or foreign files are refused with 1201 and left byte-identical', () => {
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(4000)]);
  const cases: { name: string; bytes: () => Buffer | Promise<Buffer>; message: RegExp }[] = [
    { name: '0 bytes', bytes: () => Buffer.alloc(0), message: /empty \(0 bytes\).*untouched/ },
    { name: '100-byte prefix of a registry', bytes: () => healthy.subarray(0, 100), message: /truncated|damaged/ },
    { name: 'first half of a registry', bytes: () => healthy.subarray(0, Math.floor(healthy.length / 2)), message: /truncated|damaged/ },
    { name: 'all but the last byte', bytes: () => healthy.subarray(0, healthy.length - 1), message: /truncated|damaged/ },
    { name: '64 KiB of random bytes', bytes: () => randomBytes(65536), message: /not an SQLite database/ },
    { name: 'a PNG image', bytes: () => png, message: /not an SQLite database/ },
    { name: 'a valid SQLite database of another program', bytes: foreignSqlite, message: /another program/ },
    { name: 'a registry with a damaged page', bytes: () => withDamagedPage(healthy), message: /damaged|malformed/ },
  ];

  test('each is refused at initialize; file and folder unchanged while open and after', { timeout: 90_000 }, async () => {
    // One backend tries them all: after a refused initialize it may be pointed at another file.
    const backend = await startBackend({ initialize: false });
    const folders: { name: string; dir: string; before: Record<string, string> }[] = [];
    await tryEach(category, cases, (c) => c.name, async (c) => {
      const bytes = await c.bytes();
      const path = placeFile((p) => writeFileSync(p, bytes));
      const dir = join(path, '..');
      const before = folderFingerprint(dir);
      folders.push({ name: c.name, dir, before });
      const error = await expectRpcError(backend.request(Initialize, { databasePath: path, clientName: 'reliability' }), ErrorCodes.databaseCorrupt, [], c.name);
      assert.match(error.message, c.message, c.name);
      assert.match(error.message, /untouched|left|Restore|move/i, `${c.name}: the message says the file was kept and what to do`);
      // Nothing works on a refused file, and nothing is written by trying.
      await expectRpcError(backend.request(RoleSave, { role: { name: 'x' } }), [ErrorCodes.databaseReadOnly, ErrorCodes.databaseCorrupt, -32002, -32600, ErrorCodes.invalidInput], [], `${c.name}: write after refusal`);
      assert.deepEqual(folderFingerprint(dir), before, `${c.name}: the folder is byte-identical`);
    });
    await backend.stop();
    for (const f of folders) assert.deepEqual(folderFingerprint(f.dir), f.before, `${f.name}: still byte-identical after the backend ended`);
  });

  test('a folder where the file should be is refused (1201)', async () => {
    await tryFault(category, 'a folder at the database path', async () => {
      const path = placeFile((p) => mkdirSync(p));
      const backend = await startBackend({ databasePath: path, initialize: false });
      const error = await expectRpcError(backend.request(Initialize, { databasePath: path }), ErrorCodes.databaseCorrupt, [], 'folder');
      assert.match(error.message, /folder/);
      await backend.stop();
    });
  });

  test('a path whose parent is a file cannot be created: 1203, nothing written', async () => {
    await tryFault(category, 'parent of the database path is a file', async () => {
      const dir = makeTempDir('ldapum-dbfile-');
      writeFileSync(join(dir, 'not-a-folder'), 'plain file');
      const before = folderFingerprint(dir);
      const path = join(dir, 'not-a-folder', 'registry.sqlite');
      const backend = await startBackend({ databasePath: path, initialize: false });
      await expectRpcError(backend.request(Initialize, { databasePath: path }), [ErrorCodes.databaseWriteFailed, ErrorCodes.databaseCorrupt], [], 'ENOTDIR');
      await backend.stop();
      assert.deepEqual(folderFingerprint(dir), before);
    });
  });
});

describe('files this build must not write open read-only, with the reason, and stay byte-identical', () => {
  const cases: { name: string; make: (path: string) => void; reason: RegExp }[] = [
    { name: 'newer schema (user_version 99)', make: (p) => writeFileSync(p, withUserVersion(healthy, 99)), reason: /newer version/ },
    {
      name: 'non-empty -wal sidecar',
      make: (p) => {
        writeFileSync(p, healthy);
        writeFileSync(`${p}-wal`, randomBytes(4096));
      },
      reason: /-wal.*read-only|read-only.*-wal|Another SQLite program/,
    },
    {
      name: 'non-empty -journal sidecar',
      make: (p) => {
        writeFileSync(p, healthy);
        writeFileSync(`${p}-journal`, randomBytes(512));
      },
      reason: /-journal|Another SQLite program/,
    },
  ];

  test('initialize says read-only and why; role/save and user/createInternal are refused with 1202', { timeout: 60_000 }, async () => {
    // One backend per file (a read-only store stays attached), checked side by side.
    const opened = await Promise.all(
      cases.map(async (c) => {
        const path = placeFile(c.make);
        const dir = join(path, '..');
        const before = folderFingerprint(dir);
        return { c, path, dir, before, backend: await startBackend({ databasePath: path, initialize: false }) };
      }),
    );
    await tryEach(category, opened, (o) => o.c.name, async ({ c, path, backend }) => {
      const init = await backend.request(Initialize, { databasePath: path, clientName: 'reliability' });
      assert.equal(init.readOnly, true, `${c.name}: opened read-only`);
      assert.match(init.readOnlyReason ?? '', c.reason, `${c.name}: the reason names the cause`);
      // Reads work: the data is there.
      const roles = await backend.request(RoleList, {});
      assert.ok(roles.some((r) => r.name === 'auditor'), `${c.name}: existing content is readable`);
      await expectRpcError(backend.request(RoleSave, { role: { name: 'new-role' } }), ErrorCodes.databaseReadOnly, [], `${c.name}: role/save`);
      await expectRpcError(backend.request(UserCreateInternal, { username: 'bob', displayName: 'Bob' }), ErrorCodes.databaseReadOnly, [], `${c.name}: user/createInternal`);
    });
    await Promise.all(opened.map((o) => o.backend.stop()));
    for (const o of opened) assert.deepEqual(folderFingerprint(o.dir), o.before, `${o.c.name}: file, sidecars and folder byte-identical`);
  });

  test('a copy of a healthy registry opens writable (control case)', async () => {
    const path = placeFile((p) => writeFileSync(p, healthy));
    const backend = await startBackend({ databasePath: path });
    assert.equal(backend.initializeResult?.readOnly, false);
    await backend.request(RoleSave, { role: { name: 'control' } });
    await backend.stop();
    assert.notEqual(fingerprint(path), 'absent');
    const copy = join(path, '..', 'copy.sqlite');
    copyFileSync(path, copy);
    assert.ok(readFileSync(copy).includes(Buffer.from('control')));
  });
});
