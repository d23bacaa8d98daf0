// Fault: the backend is killed with SIGKILL while it saves (up to 200 times in a loop).
// Expected: the database file always opens, passes quick_check and holds either the state before
// or after each write — every acknowledged write is there, never a torn file; a temp file left by
// an interrupted save is removed by the next backend that opens the file.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Initialize, RoleSave } from '../../protocol/rpc';
import { applicationId } from '../../server/store/migrations';
import { loadSqlEngine } from '../../server/store/sqlEngine';
import { Store } from '../../server/store/store';
import { makeTempDir, startBackend, type BackendHandle } from '../support/backendClient';

const maxRounds = 200;
const budgetMs = 115_000; // room for all 200 rounds (≈ 0.4–0.55 s a round while other test files run)
const writesPerRound = 4;

function tempFiles(databasePath: string): string[] {
  return readdirSync(dirname(databasePath)).filter((name) => name.includes('.tmp-'));
}

async function rolesOnDisk(path: string): Promise<Set<string>> {
  const SQL = await loadSqlEngine();
  const db = new SQL.Database(readFileSync(path));
  try {
    assert.equal(db.exec('PRAGMA quick_check')[0].values[0][0], 'ok');
    assert.equal(db.exec('PRAGMA application_id')[0].values[0][0], applicationId);
    return new Set(db.exec('SELECT name FROM roles')[0].values.map((row) => String(row[0])));
  } finally {
    db.close();
  }
}

test('kill -9 during saves never tears the database file', { timeout: 180_000 }, async () => {
  const databasePath = join(makeTempDir(), 'registry.sqlite');
  // A registry big enough that each save takes a while (kills land inside saves), small enough
  // that the 200 rounds fit in the budget.
  const seed = await Store.open(databasePath, { clientName: 'seed' });
  await seed.write(() => {
    for (let n = 0; n < 1000; n++) {
      seed.users.insert({
        username: `seed${n}`,
        category: 'internal',
        displayName: `Seed user ${n} ${'x'.repeat(120)}`,
        loginEnabled: true,
        ldapDisabled: false,
      });
    }
  });
  seed.close();

  const started = Date.now();
  let tried = 0;
  let survived = 0;
  let tempLeft = 0;
  let acknowledgedTotal = 0;
  let expected = await rolesOnDisk(databasePath);
  let saveMs = 20;
  let spare: Promise<BackendHandle> = startBackend({ databasePath, initialize: false });

  while (tried < maxRounds && Date.now() - started < budgetMs) {
    const backend = await spare;
    const leftBefore = tempFiles(databasePath).length;
    const init = await backend.request(Initialize, { databasePath, clientName: `round ${tried}` });
    assert.equal(init.readOnly, false, init.readOnlyReason);
    assert.deepEqual(tempFiles(databasePath), [], 'temp files of the previous round removed at open');
    if (leftBefore > 0) tempLeft++;
    // The next backend starts while this round runs (it is initialized only after this one died).
    spare = startBackend({ databasePath, initialize: false });

    if (tried === 0) {
      const t0 = Date.now();
      await backend.request(RoleSave, { role: { name: 'warm-up' } });
      saveMs = Math.max(5, Date.now() - t0);
      expected.add('warm-up');
    }
    const names = Array.from({ length: writesPerRound }, (_, j) => `kill-${tried}-${j}`);
    const acknowledged: string[] = [];
    const pending = names.map((name) =>
      backend.request(RoleSave, { role: { name } }, { timeoutMs: 10_000 }).then(
        () => acknowledged.push(name),
        () => undefined,
      ),
    );
    // Kill at a random moment within about two saves, so that kills land before, inside and
    // between saves (the save time is measured, as it depends on the machine's load).
    await new Promise((done) => setTimeout(done, Math.floor(Math.random() * 2 * saveMs)));
    await backend.kill('SIGKILL');
    await Promise.all(pending);
    tried++;

    const onDisk = await rolesOnDisk(databasePath);
    for (const name of expected) assert.ok(onDisk.has(name), `round ${tried}: earlier role ${name} lost`);
    for (const name of acknowledged) assert.ok(onDisk.has(name), `round ${tried}: acknowledged role ${name} not on disk`);
    // Writes are applied in order: what reached the disk is a prefix of what was sent.
    const saved = names.filter((name) => onDisk.has(name));
    assert.deepEqual(saved, names.slice(0, saved.length), `round ${tried}: saved ${saved.join(', ')}`);
    assert.equal(onDisk.size, expected.size + saved.length, `round ${tried}: no other change`);
    expected = onDisk;
    acknowledgedTotal += acknowledged.length;
    survived++;
  }
  const last = await spare;
  await last.request(Initialize, { databasePath, clientName: 'final check' });
  assert.deepEqual(tempFiles(databasePath), []);
  await last.stop();

  console.log(
    `[reliability] kill -9 during save: ${tried} tried, ${survived} survived ` +
      `(${acknowledgedTotal} writes acknowledged, save ≈ ${saveMs} ms, ${tempLeft} kills left a temp file that the next open removed, ` +
      `${Math.round((Date.now() - started) / 1000)} s)`,
  );
  assert.equal(survived, tried);
  assert.ok(tried >= 3, `only ${tried} rounds fitted in the time budget`);
});
