// Faults while the backend saves the registry after a write, beyond the disk-full and read-only
// cases of saveFailures.test.ts (backend-core helper): the file is held by another program (chattr
// +i on the file: root cannot bypass it, the rename over it fails), the folder is immutable (the
// temp file cannot be created), the file size limit is below the database size (RLIMIT_FSIZE set on
// the running backend with prlimit → EFBIG), and the file is replaced behind the backend's back
// (a `git checkout`).
// Expected for each: the write request fails with 1203 and a sentence naming the cause and saying
// nothing was changed; the file on disk is byte-identical; no temp file is left; the backend's
// in-memory state is not ahead of the disk (a following read does not show the failed writes); and
// once the cause is removed, the next write succeeds and is on disk. Without root (no chattr) the
// chattr cases are reported as not applicable by a diagnostic; EFBIG and the replaced file still run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import { RoleList, RoleSave, UserCreateInternal, UserList } from '../../protocol/rpc';
import { makeTempDir, startBackend, type BackendHandle } from '../support/backendClient';
import { tryFault } from '../support/reliabilityTally';
import { expectRpcError, fingerprint } from './reliabilitySupport';

const category = 'save failures (held files)';
const isRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** chattr ±i; false when unsupported (not root, or a file system without the flag). */
function immutable(path: string, on: boolean): boolean {
  return isRoot && run('chattr', [on ? '+i' : '-i', path]);
}
const immutables = new Set<string>();
after(() => {
  for (const path of immutables) immutable(path, false);
});

function tempFilesBeside(path: string): string[] {
  const dir = join(path, '..');
  return readdirSync(dir).filter((n) => n.includes('.tmp-'));
}

/** A backend on `databasePath` with some content already saved (so saves are not trivial). */
async function backendWithContent(databasePath: string): Promise<BackendHandle> {
  const backend = await startBackend({ databasePath });
  await backend.request(RoleSave, { role: { name: 'existing-role', description: 'x'.repeat(200) } });
  for (let i = 0; i < 5; i++) {
    await backend.request(UserCreateInternal, { username: `user${i}`, displayName: `User ${i} ${'y'.repeat(100)}` });
  }
  return backend;
}

/**
 * The common check: with the fault in place, a write fails with 1203 and `message`; the file is
 * byte-identical; no temp file remains; a read shows the old state. Then `heal()` removes the
 * fault and a new write lands on disk.
 */
async function checkSaveFault(backend: BackendHandle, message: RegExp, heal: () => void | Promise<void>, what: string): Promise<void> {
  const path = backend.databasePath;
  const before = fingerprint(path);
  const rolesBefore = (await backend.request(RoleList, {})).map((r) => r.name).sort();
  const usersBefore = (await backend.request(UserList, {})).total;

  const error = await expectRpcError(backend.request(RoleSave, { role: { name: `failed-${what}` } }), ErrorCodes.databaseWriteFailed, [], what);
  assert.match(error.message, message, `${what}: the message names the cause`);
  assert.match(error.message, /Nothing was changed|not changed/i, `${what}: the message says nothing changed`);
  await expectRpcError(backend.request(UserCreateInternal, { username: `failed-${what}`.slice(0, 60), displayName: 'Never saved' }), ErrorCodes.databaseWriteFailed, [], `${what} (second write)`);

  assert.equal(fingerprint(path), before, `${what}: the file is byte-identical`);
  assert.deepEqual(tempFilesBeside(path), [], `${what}: no temp file left`);
  assert.deepEqual((await backend.request(RoleList, {})).map((r) => r.name).sort(), rolesBefore, `${what}: memory is not ahead of the disk (roles)`);
  assert.equal((await backend.request(UserList, {})).total, usersBefore, `${what}: memory is not ahead of the disk (users)`);

  await heal();
  const saved = await backend.request(RoleSave, { role: { name: `after-${what}` } });
  assert.ok(saved.id > 0);
  assert.notEqual(fingerprint(path), before, `${what}: after the fault is removed, the next write is saved`);
  assert.ok(readFileSync(path).includes(Buffer.from(`after-${what}`)), `${what}: the new role is in the file`);
  assert.ok(!readFileSync(path).includes(Buffer.from(`failed-${what}`)), `${what}: the failed role never reached the file`);
}

describe('saving the registry fails: clear 1203, file intact, memory not ahead of disk', { timeout: 90_000 }, () => {
  test('file size limit below the database size (RLIMIT_FSIZE → EFBIG)', async () => {
    await tryFault(category, 'file size limit (EFBIG)', async () => {
      const backend = await backendWithContent(join(makeTempDir(), 'registry.sqlite'));
      assert.ok(run('prlimit', [`--pid=${backend.pid}`, '--fsize=8192:unlimited']), 'prlimit on our own backend');
      await checkSaveFault(backend, /file size limit.*ulimit -f/, () => void run('prlimit', [`--pid=${backend.pid}`, '--fsize=unlimited:unlimited']), 'efbig');
      assert.equal(backend.hasExited, false, 'the backend survived SIGXFSZ');
      await backend.stop();
    });
  });

  test('the folder is immutable (chattr +i: even root cannot create the temp file)', async (t) => {
    const dir = makeTempDir();
    const backend = await backendWithContent(join(dir, 'registry.sqlite'));
    if (!immutable(dir, true)) {
      t.diagnostic('chattr +i is not available (not root): covered by the chmod 555 fallback above');
      await backend.stop();
      return;
    }
    immutables.add(dir);
    await tryFault(category, 'immutable folder (EPERM)', async () => {
      await checkSaveFault(backend, /not writable|EPERM/, () => void immutable(dir, false), 'immutable-folder');
    });
    immutables.delete(dir);
    await backend.stop();
  });

  test('the file is held by another program (chattr +i on the file: the rename over it fails)', async (t) => {
    const dir = makeTempDir();
    const backend = await backendWithContent(join(dir, 'registry.sqlite'));
    if (!immutable(backend.databasePath, true)) {
      t.diagnostic('chattr +i is not available (not root)');
      await backend.stop();
      return;
    }
    immutables.add(backend.databasePath);
    await tryFault(category, 'file locked by another program (EPERM on rename)', async () => {
      await checkSaveFault(backend, /not writable|EPERM|another program/, () => void immutable(backend.databasePath, false), 'locked-file');
    });
    immutables.delete(backend.databasePath);
    await backend.stop();
  });

  test('the file is replaced behind the backend (git checkout): the write is refused, the new file kept', async () => {
    await tryFault(category, 'file replaced on disk while open', async () => {
      const dir = makeTempDir();
      const backend = await backendWithContent(join(dir, 'registry.sqlite'));
      // Another program writes an older copy of the registry (different bytes, new inode).
      const older = readFileSync(backend.databasePath);
      await backend.request(RoleSave, { role: { name: 'only-in-memory-and-old-file' } });
      const replacement = join(dir, 'checkout.tmp');
      writeFileSync(replacement, older);
      execFileSync('mv', [replacement, backend.databasePath]);
      const before = fingerprint(backend.databasePath);
      const error = await expectRpcError(backend.request(RoleSave, { role: { name: 'would-overwrite' } }), ErrorCodes.databaseWriteFailed, [], 'replaced');
      assert.match(error.message, /changed on disk/);
      assert.equal(fingerprint(backend.databasePath), before, 'the replaced file is not overwritten');
      await backend.stop();
      assert.equal(fingerprint(backend.databasePath), before, 'not even on shutdown');
    });
  });
});

