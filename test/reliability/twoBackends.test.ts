// Fault: two or more backends (VS Code windows) open the same database file at the same moment,
// and the writer exits or is killed. Expected: exactly one writer; the others are read-only with
// a reason naming the writer; the lock is released on exit and taken over after a kill -9.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Initialize, RoleSave } from '../../protocol/rpc';
import { makeTempDir, startBackend, type BackendHandle } from '../support/backendClient';

let tried = 0;
let survived = 0;

/** Starts `count` backends, then sends all their `initialize` requests at once. */
async function raceToOpen(databasePath: string, count: number): Promise<{ backend: BackendHandle; readOnly: boolean; reason?: string }[]> {
  const backends = await Promise.all(Array.from({ length: count }, () => startBackend({ databasePath, initialize: false })));
  const results = await Promise.all(
    backends.map((backend, i) => backend.request(Initialize, { databasePath, clientName: `window ${i}` })),
  );
  return backends.map((backend, i) => ({ backend, readOnly: results[i].readOnly, reason: results[i].readOnlyReason }));
}

function assertOneWriter(opened: { backend: BackendHandle; readOnly: boolean; reason?: string }[]): BackendHandle {
  const writers = opened.filter((o) => !o.readOnly);
  assert.equal(writers.length, 1, `exactly one writer among ${opened.length}`);
  const writer = writers[0].backend;
  for (const other of opened.filter((o) => o.readOnly)) {
    assert.match(other.reason ?? '', new RegExp(`process ${writer.pid}\\b`));
  }
  return writer;
}

test('backends started at the same moment on a new file: exactly one writer', async () => {
  for (let round = 0; round < 3; round++) {
    tried++;
    const databasePath = join(makeTempDir(), 'registry.sqlite');
    const opened = await raceToOpen(databasePath, 4);
    const writer = assertOneWriter(opened);
    await writer.request(RoleSave, { role: { name: `round ${round}` } });
    await Promise.all(opened.map((o) => o.backend.stop()));
    survived++;
  }
});

test('backends started at the same moment on an existing file: exactly one writer', async () => {
  const databasePath = join(makeTempDir(), 'registry.sqlite');
  await (await startBackend({ databasePath })).stop();
  for (let round = 0; round < 3; round++) {
    tried++;
    const opened = await raceToOpen(databasePath, 4);
    assertOneWriter(opened);
    await Promise.all(opened.map((o) => o.backend.stop()));
    assert.equal(existsSync(`${databasePath}.lock`), false, 'every backend released what it held');
    survived++;
  }
});

test('the lock is released on exit and taken over after a kill -9', async () => {
  tried++;
  const first = await startBackend();
  const { databasePath } = first;
  const second = await startBackend({ databasePath });
  assert.equal(second.initializeResult?.readOnly, true);
  await first.stop();
  await second.stop();
  assert.equal(existsSync(`${databasePath}.lock`), false);

  const third = await startBackend({ databasePath });
  assert.equal(third.initializeResult?.readOnly, false, 'writer after a clean exit');
  await third.kill('SIGKILL');
  assert.equal(JSON.parse(readFileSync(`${databasePath}.lock`, 'utf8')).pid, third.pid, 'a killed writer leaves its lock');

  const fourth = await startBackend({ databasePath });
  assert.equal(fourth.initializeResult?.readOnly, false, 'the stale lock of the killed writer was taken over');
  assert.equal(JSON.parse(readFileSync(`${databasePath}.lock`, 'utf8')).pid, fourth.pid);
  await fourth.request(RoleSave, { role: { name: 'after takeover' } });

  // Several backends racing for the same stale lock: still exactly one writer.
  await fourth.kill('SIGKILL');
  const opened = await raceToOpen(databasePath, 4);
  assertOneWriter(opened);
  survived++;
  console.log(`[reliability] two backends on one file: ${tried} tried, ${survived} survived`);
});
