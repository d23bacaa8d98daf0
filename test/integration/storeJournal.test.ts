// The Store in journal mode (forced with journalMinBytes: 0 / LDAPUM_JOURNAL_MIN_BYTES=0; by
// default only databases of 8 MiB and more use it): acknowledged writes are in `<db>.journal`
// and survive a crash; a torn tail is cut; close folds everything into the file; a journal left
// by a crash between fold and journal removal is ignored; a failed append leaves memory and disk
// as they were; and kill -9 of a journaling backend never loses or tears an acknowledged write.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import { Initialize, RoleSave } from '../../protocol/rpc';
import { journalPathOf } from '../../server/store/changeJournal';
import { loadSqlEngine } from '../../server/store/sqlEngine';
import { Store } from '../../server/store/store';
import { makeTempDir, startBackend, type BackendHandle } from '../support/backendClient';

const journaling = { clientName: 'journal test', journalMinBytes: 0 };

/** The disk state as a crash would leave it: the file and its journal, copied elsewhere. */
function crashCopy(path: string): string {
  const copy = join(makeTempDir(), basename(path));
  copyFileSync(path, copy);
  if (existsSync(journalPathOf(path))) copyFileSync(journalPathOf(path), journalPathOf(copy));
  return copy;
}

async function roleNamesOf(path: string): Promise<string[]> {
  const store = await Store.open(path, { clientName: 'checker', journalMinBytes: 0 });
  try {
    assert.equal(store.db.exec('PRAGMA quick_check')[0].values[0][0], 'ok');
    return store.roles.list().map((r) => r.name);
  } finally {
    store.close();
  }
}

async function rawRoleNames(path: string): Promise<string[]> {
  const SQL = await loadSqlEngine();
  const db = new SQL.Database(readFileSync(path));
  try {
    return db.exec('SELECT name FROM roles ORDER BY id')[0].values.map((r) => String(r[0]));
  } finally {
    db.close();
  }
}

test('journal mode: writes are appended, survive a crash, and close folds them into the file', async () => {
  const path = join(makeTempDir(), 'registry.sqlite');
  const store = await Store.open(path, journaling);
  const fileBefore = readFileSync(path);
  await store.write(() => store.roles.insert({ name: 'Journaled one' }));
  await store.write(() => store.roles.insert({ name: 'Journaled two' }));
  await store.write(() => store.roles.insert({ name: 'Journaled three' }));
  const id = store.roles.list().find((r) => r.name === 'Journaled two')!.id;
  await store.write(() => store.run('DELETE FROM roles WHERE id = ?', [id]));

  assert.ok(readFileSync(path).equals(fileBefore), 'the database file itself is not rewritten');
  assert.ok(statSync(journalPathOf(path)).size > 0);
  const afterCrash = await roleNamesOf(crashCopy(path));
  assert.ok(afterCrash.includes('Journaled one') && afterCrash.includes('Journaled three'));
  assert.ok(!afterCrash.includes('Journaled two'), 'the delete is replayed too');

  store.close();
  assert.equal(existsSync(journalPathOf(path)), false, 'close folds the journal into the file');
  const raw = await rawRoleNames(path);
  assert.deepEqual(raw.filter((n) => n.startsWith('Journaled')), ['Journaled one', 'Journaled three']);
});

test('journal mode: a torn tail is ignored and cut off; the next write lands after the valid records', async () => {
  const path = join(makeTempDir(), 'registry.sqlite');
  const first = await Store.open(path, journaling);
  await first.write(() => first.roles.insert({ name: 'Before the tear' }));
  const crashed = crashCopy(path);
  first.close();
  const validBytes = statSync(journalPathOf(crashed)).size;
  appendFileSync(journalPathOf(crashed), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5, 6])); // half a record

  const second = await Store.open(crashed, journaling);
  assert.equal(statSync(journalPathOf(crashed)).size, validBytes, 'the torn tail was cut at open');
  assert.ok(second.roles.list().some((r) => r.name === 'Before the tear'));
  await second.write(() => second.roles.insert({ name: 'After the tear' }));
  const names = await roleNamesOf(crashCopy(crashed));
  assert.ok(names.includes('Before the tear') && names.includes('After the tear'));
  second.close();
});

test('journal mode: a journal left by a crash between the fold and its removal is ignored, not applied twice', async () => {
  const path = join(makeTempDir(), 'registry.sqlite');
  const store = await Store.open(path, journaling);
  await store.write(() => store.roles.insert({ name: 'Folded once' }));
  const staleJournal = readFileSync(journalPathOf(path));
  store.close(); // folds: the file now holds the role, the journal is gone
  // The crash: the journal is still there next to the new base.
  appendFileSync(journalPathOf(path), staleJournal);

  const reopened = await Store.open(path, journaling);
  assert.equal(reopened.roles.list().filter((r) => r.name === 'Folded once').length, 1);
  assert.equal(existsSync(journalPathOf(path)), false, 'the stale journal was removed');
  await reopened.write(() => reopened.roles.insert({ name: 'Next write' }));
  reopened.close();
  assert.ok((await rawRoleNames(path)).includes('Next write'));
});

test('journal mode: a failed append answers 1203 and leaves memory and disk as they were; the next write lands', async () => {
  const path = join(makeTempDir(), 'registry.sqlite');
  const store = await Store.open(path, journaling);
  const fileBefore = readFileSync(path);
  // The journal is created through a temp file; a folder in its place makes that fail.
  const obstacle = join(dirname(path), `.${basename(path)}.tmp-journal-${process.pid}`);
  mkdirSync(obstacle);
  await assert.rejects(
    store.write(() => store.roles.insert({ name: 'Never acknowledged' })),
    (error: { code: number }) => error.code === ErrorCodes.databaseWriteFailed,
  );
  assert.ok(!store.roles.list().some((r) => r.name === 'Never acknowledged'), 'memory is not ahead of the disk');
  assert.ok(readFileSync(path).equals(fileBefore));
  assert.equal(existsSync(journalPathOf(path)), false);
  rmdirSync(obstacle);
  await store.write(() => store.roles.insert({ name: 'Lands' }));
  assert.ok((await roleNamesOf(crashCopy(path))).includes('Lands'));
  store.close();
});

test('journal mode: kill -9 of the backend during writes never loses or tears an acknowledged write', { timeout: 120_000 }, async () => {
  const databasePath = join(makeTempDir(), 'registry.sqlite');
  const env = { LDAPUM_JOURNAL_MIN_BYTES: '0' };
  let expected = new Set(await roleNamesOf(databasePath));
  const started = Date.now();
  let rounds = 0;
  let writeMs = 20;
  let spare: Promise<BackendHandle> = startBackend({ databasePath, initialize: false, env });
  while (rounds < 40 && Date.now() - started < 40_000) {
    const backend = await spare;
    const init = await backend.request(Initialize, { databasePath, clientName: `round ${rounds}` });
    assert.equal(init.readOnly, false, init.readOnlyReason);
    spare = startBackend({ databasePath, initialize: false, env });
    if (rounds === 0) {
      const t0 = Date.now();
      await backend.request(RoleSave, { role: { name: 'warm-up' } });
      writeMs = Math.max(5, Date.now() - t0);
      expected.add('warm-up');
    }
    const names = Array.from({ length: 4 }, (_, j) => `kill-${rounds}-${j}`);
    const acknowledged: string[] = [];
    const pending = names.map((name) =>
      backend.request(RoleSave, { role: { name } }, { timeoutMs: 10_000 }).then(
        () => acknowledged.push(name),
        () => undefined,
      ),
    );
    // Kill at a random moment within about two writes (the write time depends on the machine's load).
    await new Promise((done) => setTimeout(done, Math.floor(Math.random() * 2 * writeMs)));
    await backend.kill('SIGKILL');
    await Promise.all(pending);
    rounds++;
    const onDisk = new Set(await roleNamesOf(crashCopy(databasePath)));
    for (const name of expected) assert.ok(onDisk.has(name), `round ${rounds}: earlier role ${name} lost`);
    for (const name of acknowledged) assert.ok(onDisk.has(name), `round ${rounds}: acknowledged role ${name} missing`);
    const saved = names.filter((name) => onDisk.has(name));
    assert.deepEqual(saved, names.slice(0, saved.length), `round ${rounds}: writes land in order`);
    assert.equal(onDisk.size, expected.size + saved.length, `round ${rounds}: no other change`);
    expected = onDisk;
  }
  await (await spare).kill();
  console.log(`[reliability] kill -9 while journaling: ${rounds} rounds, write ≈ ${writeMs} ms, ${expected.size} roles on disk`);
  assert.ok(rounds >= 3, `only ${rounds} rounds fitted in the time budget`);
  assert.ok(existsSync(journalPathOf(databasePath)), 'the backends journaled their writes');
});
