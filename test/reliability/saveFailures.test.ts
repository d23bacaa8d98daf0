// Faults: the disk fills up, or the folder becomes read-only, while the backend saves.
// Expected: a 1203 error that says what happened and what to do; the file on disk is intact
// (byte-identical); no temp file is left; the in-memory state is not ahead of the disk (the
// failed change is not listed); once the problem is fixed the next write succeeds.
// Uses a small tmpfs (needs root to mount); without root, the read-only case uses chmod instead.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import { RoleList, RoleSave } from '../../protocol/rpc';
import { makeTempDir, startBackend, stopAllBackends } from '../support/backendClient';

const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];
after(async () => {
  await stopAllBackends();
  for (const dir of mounts) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore', timeout: 10_000 });
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // already unmounted
    }
  }
});

function mountTmpfs(sizeKb: number): string | undefined {
  if (!isRoot) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ldapum-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
let tried = 0;
let survived = 0;

async function assertWriteFailsCleanly(databasePath: string, pattern: RegExp, backend: Awaited<ReturnType<typeof startBackend>>) {
  const hash = sha256(databasePath);
  await assert.rejects(backend.request(RoleSave, { role: { name: 'Lost' } }), (error: unknown) => {
    assert.ok(error instanceof ResponseError);
    assert.equal(error.code, ErrorCodes.databaseWriteFailed, error.message);
    assert.match(error.message, pattern);
    assert.match(error.message, /Nothing was changed/);
    return true;
  });
  assert.equal(sha256(databasePath), hash, 'the file on disk is intact');
  assert.deepEqual(readdirSync(join(databasePath, '..')).filter((n) => n.includes('.tmp-')), [], 'no temp file left');
  const names = (await backend.request(RoleList, {})).map((role) => role.name);
  assert.ok(!names.includes('Lost'), 'the failed change is not in memory either');
}

test('disk full while saving: 1203, file intact, memory not ahead of disk, next write works', async (t) => {
  const dir = mountTmpfs(512);
  if (!dir) {
    t.skip('needs root to mount a small tmpfs');
    return;
  }
  tried++;
  const databasePath = join(dir, 'registry.sqlite');
  const backend = await startBackend({ databasePath });
  await backend.request(RoleSave, { role: { name: 'Before' } });
  const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, free - 8192)));
  await assertWriteFailsCleanly(databasePath, /disk is full/, backend);
  rmSync(filler);
  await backend.request(RoleSave, { role: { name: 'After' } });
  const names = (await backend.request(RoleList, {})).map((role) => role.name);
  assert.ok(names.includes('Before') && names.includes('After') && !names.includes('Lost'));
  await backend.stop();
  survived++;
});

test('folder becomes read-only while the backend runs: 1203, file intact, next write works after', async (t) => {
  let makeReadOnly: () => void;
  let makeWritable: () => void;
  let dir: string | undefined;
  if (isRoot) {
    dir = mountTmpfs(2048);
    if (!dir) {
      t.skip('needs root to mount a tmpfs');
      return;
    }
    const mounted = dir;
    makeReadOnly = () => execFileSync('mount', ['-o', 'remount,ro', mounted], { stdio: 'ignore' });
    makeWritable = () => execFileSync('mount', ['-o', 'remount,rw', mounted], { stdio: 'ignore' });
  } else {
    dir = makeTempDir();
    const folder = dir;
    makeReadOnly = () => chmodSync(folder, 0o555);
    makeWritable = () => chmodSync(folder, 0o755);
  }
  tried++;
  const databasePath = join(dir, 'registry.sqlite');
  const backend = await startBackend({ databasePath });
  await backend.request(RoleSave, { role: { name: 'Before' } });
  makeReadOnly();
  try {
    await assertWriteFailsCleanly(databasePath, /not writable/, backend);
  } finally {
    makeWritable();
  }
  await backend.request(RoleSave, { role: { name: 'After' } });
  await backend.stop();
  survived++;
  console.log(`[reliability] save failures (disk full, read-only folder): ${tried} tried, ${survived} survived`);
});
