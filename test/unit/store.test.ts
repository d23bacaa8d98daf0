// The Store in-process, on real sql.js and real files: creation, repositories, transactions,
// the write lock (held, stale, reused pid), and refusal of files changed behind its back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import { applicationId, builtinRoles, schemaVersion } from '../../server/store/migrations';
import { loadSqlEngine } from '../../server/store/sqlEngine';
import { Store } from '../../server/store/store';
import type { RealmRecord } from '../../server/store/realmRepository';
import type { UserRecord } from '../../server/store/userRepository';
import { realmKindDefaults } from '../../protocol/realmKindDefaults';

const root = mkdtempSync(join(tmpdir(), 'ldapum-store-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
function newPath(): string {
  return join(root, `case-${++counter}`, 'registry.sqlite');
}

async function readWithFreshSqlJs(path: string) {
  const SQL = await loadSqlEngine();
  return new SQL.Database(readFileSync(path));
}

const realmRecord: RealmRecord = {
  name: 'Corp',
  kind: 'openldap',
  url: 'ldaps://ldap.example.com',
  startTls: false,
  allowInsecure: false,
  bindDn: 'cn=reader,dc=example,dc=com',
  baseDn: 'dc=example,dc=com',
  scope: 'sub',
  ...realmKindDefaults('openldap'),
  pageSize: 500,
  connectTimeoutMs: 5000,
  timeoutMs: 30000,
  enabled: true,
  defaultRoles: [{ name: 'Viewer' }],
};

function externalUser(realmId: number, n: number): UserRecord {
  return {
    username: `user${n}`,
    category: 'external',
    realmId,
    ldapUuid: `uuid-${n}`,
    ldapDn: `uid=user${n},ou=people,dc=example,dc=com`,
    displayName: `User ${n}`,
    email: `user${n}@example.com`,
    loginEnabled: true,
    ldapDisabled: false,
    importedAt: '2026-01-01T00:00:00.000Z',
    rawAttributes: { uid: [`user${n}`] },
  };
}

describe('Store', () => {
  test('creates a new file with our schema, marker and built-in roles, and a lock released on close', async () => {
    const path = newPath();
    const store = await Store.open(path, { clientName: 'unit' });
    assert.equal(store.readOnly, false);
    assert.equal(store.schemaVersion, schemaVersion);
    assert.ok(existsSync(`${path}.lock`));
    const lock = JSON.parse(readFileSync(`${path}.lock`, 'utf8'));
    assert.equal(lock.pid, process.pid);
    assert.equal(lock.clientName, 'unit');
    store.close();
    assert.equal(existsSync(`${path}.lock`), false);

    const db = await readWithFreshSqlJs(path);
    assert.equal(db.exec('PRAGMA application_id')[0].values[0][0], applicationId);
    assert.equal(db.exec('PRAGMA user_version')[0].values[0][0], schemaVersion);
    assert.deepEqual(
      db.exec('SELECT name FROM roles ORDER BY id')[0].values.map((r) => r[0]),
      builtinRoles.map((r) => r.name),
    );
    db.close();
  });

  test('repositories store and read realms, users, roles and audit entries', async () => {
    const path = newPath();
    const store = await Store.open(path);
    const realm = await store.write(() => store.realms.insert(realmRecord));
    assert.equal(realm.name, 'Corp');
    assert.deepEqual(realm.attributes, realmRecord.attributes);
    assert.deepEqual(realm.defaultRoles, [{ name: 'Viewer' }]);
    assert.equal(realm.caCertPath, undefined);
    assert.match(realm.createdAt, /^\d{4}-\d\d-\d\dT/);

    const updated = await store.write(() => store.realms.update(realm.id, { ...realmRecord, caCertPath: '/ca.pem', startTls: true }));
    assert.equal(updated?.caCertPath, '/ca.pem');
    assert.equal(updated?.startTls, true);
    assert.equal(store.realms.findByName('CORP')?.id, realm.id);

    const viewer = store.roles.findByName('viewer')!;
    const ids = await store.write(() => {
      const created = [1, 2, 3].map((n) => store.users.insert(externalUser(realm.id, n)));
      store.roles.assign(created[0], viewer.id);
      store.roles.assign(created[0], viewer.id, 'project-a');
      store.roles.assign(created[0], viewer.id); // duplicate: ignored
      store.audit.append({ actor: 'unit', action: 'user.import', userId: created[0], realmId: realm.id, username: 'user1', changes: [{ field: 'username', before: null, after: 'user1' }] });
      return created;
    });
    const first = store.users.get(ids[0])!;
    assert.equal(first.username, 'user1');
    assert.equal(first.category, 'external');
    assert.equal(first.realmId, realm.id);
    assert.equal(first.givenName, undefined);
    assert.deepEqual(first.roles, [{ roleId: viewer.id }, { roleId: viewer.id, scope: 'project-a' }]);
    assert.equal(store.users.findByUsername('USER2')?.id, ids[1]);
    assert.equal(store.users.findByUuid(realm.id, 'uuid-3')?.id, ids[2]);
    assert.deepEqual(store.users.rawAttributes(ids[0]), { uid: ['user1'] });
    assert.deepEqual(store.roles.assignmentsOf(ids[0]).map((a) => a.name), ['Viewer', 'Viewer']);

    const page = store.users.list({ realmId: realm.id, sort: { field: 'username', direction: 'desc' }, limit: 2 });
    assert.equal(page.total, 3);
    assert.deepEqual(page.users.map((u) => u.username), ['user3', 'user2']);
    assert.deepEqual(store.users.list({ text: 'USER2@' }).users.map((u) => u.username), ['user2']);
    assert.deepEqual(store.users.list({ text: '%' }).users, []);

    await store.write(() => store.users.update(ids[1], { displayName: 'Renamed', email: undefined, ldapDisabled: true }));
    const second = store.users.get(ids[1])!;
    assert.equal(second.displayName, 'Renamed');
    assert.equal(second.email, undefined);
    assert.equal(second.ldapDisabled, true);

    const audit = store.audit.list({ userId: ids[0] });
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0].changes, [{ field: 'username', before: null, after: 'user1' }]);

    assert.equal(await store.write(() => store.users.delete([ids[0]])), 1);
    assert.equal(store.roles.assignmentsByUser().get(ids[0]), undefined, 'assignments go with the user');
    store.close();

    const db = await readWithFreshSqlJs(path);
    assert.equal(db.exec('SELECT count(*) FROM users')[0].values[0][0], 2);
    db.close();
  });

  test('a failing write changes nothing in memory or on disk; a write without changes does not save', async () => {
    const path = newPath();
    const store = await Store.open(path);
    const before = readFileSync(path);
    const identity = statSync(path).ino;
    await assert.rejects(
      store.write(() => {
        store.roles.insert({ name: 'Half' });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(store.roles.findByName('Half'), undefined);
    await assert.rejects(store.write(() => store.roles.insert({ name: 'viewer' })), /UNIQUE constraint failed/);
    assert.ok(readFileSync(path).equals(before));
    await store.write(() => store.roles.list());
    assert.equal(statSync(path).ino, identity, 'a read-only transaction did not rewrite the file');
    await assert.rejects(
      store.write(() => Promise.resolve(1)),
      /synchronous function/,
    );
    store.close();
  });

  test('a second open of a locked file is read-only, names the holder and refuses writes with 1202', async () => {
    const path = newPath();
    const writer = await Store.open(path, { clientName: 'first window' });
    const reader = await Store.open(path, { clientName: 'second window' });
    assert.equal(reader.readOnly, true);
    assert.match(reader.readOnlyReason!, new RegExp(`process ${process.pid}`));
    assert.match(reader.readOnlyReason!, /first window/);
    await assert.rejects(reader.write(() => reader.roles.insert({ name: 'X' })), (error: { code: number }) => error.code === ErrorCodes.databaseReadOnly);
    reader.close();
    assert.ok(existsSync(`${path}.lock`), 'closing the reader keeps the writer lock');
    writer.close();
  });

  test('a lock left by a dead process, or by a reused pid, is taken over', async () => {
    const path = newPath();
    (await Store.open(path)).close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const deadPid = Number(dead.stdout.toString());
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: deadPid, host: hostname(), since: '2020-01-01T00:00:00Z' }));
    const first = await Store.open(path);
    assert.equal(first.readOnly, false, 'stale lock of a dead pid taken over');
    first.close();

    // Our own pid but another process start time: the pid was reused by an unrelated process.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: process.pid, processStart: '1', host: hostname(), since: '2020-01-01T00:00:00Z' }));
    const second = await Store.open(path);
    assert.equal(second.readOnly, false, 'stale lock of a reused pid taken over');
    second.close();
  });

  test('leftover temp files of an interrupted save are removed by the next writer', async () => {
    const path = newPath();
    (await Store.open(path)).close();
    const leftover = join(path, '..', '.registry.sqlite.tmp-99999-1');
    writeFileSync(leftover, 'half a save');
    const store = await Store.open(path);
    assert.equal(existsSync(leftover), false);
    store.close();
  });

  test('a file replaced behind the store\'s back is not overwritten (1203)', async () => {
    const path = newPath();
    const store = await Store.open(path);
    await store.write(() => store.roles.insert({ name: 'Mine' }));
    const other = readFileSync(path);
    await new Promise((done) => setTimeout(done, 20));
    writeFileSync(path, other); // e.g. a git checkout rewrote it
    const replaced = readFileSync(path);
    await assert.rejects(store.write(() => store.roles.insert({ name: 'Lost' })), (error: { code: number; message: string }) => {
      assert.equal(error.code, ErrorCodes.databaseWriteFailed);
      assert.match(error.message, /changed on disk/);
      return true;
    });
    assert.ok(readFileSync(path).equals(replaced));
    store.close();
  });

  test('realm and user ids are never reused: a new realm does not adopt what a deleted one left', async () => {
    const store = await Store.open(newPath(), { clientName: 'unit' });
    try {
      const first = await store.write(() => store.realms.insert(realmRecord));
      const userId = await store.write(() => store.users.insert(externalUser(first.id, 1)));
      await store.write(() => store.realms.delete(first.id));
      await store.write(() => store.users.delete([userId]));
      const second = await store.write(() => store.realms.insert({ ...realmRecord, name: 'Corp 2' }));
      const nextUser = await store.write(() => store.users.insert(externalUser(second.id, 2)));
      assert.notEqual(second.id, first.id, 'the deleted realm id was given to a new realm');
      assert.notEqual(nextUser, userId, 'the deleted user id was given to a new user (its audit history would follow)');
    } finally {
      store.close();
    }
  });

  test('20,000 users insert in one write with the prepared statement, fast', async () => {
    const path = newPath();
    const store = await Store.open(path);
    const realm = await store.write(() => store.realms.insert(realmRecord));
    const started = Date.now();
    await store.write(() => {
      for (let n = 0; n < 20_000; n++) {
        store.users.insert(externalUser(realm.id, n));
      }
    });
    const elapsed = Date.now() - started;
    console.log(`[store] 20,000 users inserted and saved in ${elapsed} ms (${statSync(path).size} bytes)`);
    assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
    const listed = Date.now();
    assert.equal(store.users.list({ limit: 100 }).total, 20_000);
    assert.equal(store.users.listByRealm(realm.id).length, 20_000);
    console.log(`[store] listing 20,000 users took ${Date.now() - listed} ms`);
    store.close();
    assert.deepEqual(readdirSync(join(path, '..')).sort(), ['registry.sqlite']);
  });
});
