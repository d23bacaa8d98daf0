// The backend's lifecycle: shutdown/exit release the write lock, the backend ends when its client
// goes away (stdin closed, IPC disconnected, SIGTERM), logs never reach stdout, and `--node-ipc`
// serves the same contract as `--stdio`.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError } from 'vscode-jsonrpc/node';
import { Initialize, LogMessage, RoleList, RoleSave, Shutdown } from '../../protocol/rpc';
import { ensureServerBuilt, makeTempDir, serverBundle, startBackend } from '../support/backendClient';

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

describe('backend lifecycle', () => {
  test('shutdown then exit: lock released, exit code 0, later requests refused', async () => {
    const backend = await startBackend();
    const lock = `${backend.databasePath}.lock`;
    assert.ok(existsSync(lock));
    await backend.request(Shutdown, {});
    assert.equal(existsSync(lock), false, 'lock released by shutdown');
    await assert.rejects(backend.request(RoleList, {}), (error: unknown) => error instanceof ResponseError && /shutting down/.test(error.message));
    assert.deepEqual(await backend.stop(), { code: 0, signal: null });
  });

  test('the backend exits and releases its lock when the client closes stdin', async () => {
    const backend = await startBackend();
    backend.closeInput();
    const exit = await backend.exited;
    assert.equal(exit.signal, null);
    assert.equal(existsSync(`${backend.databasePath}.lock`), false);
  });

  test('SIGTERM ends the backend and releases its lock', async () => {
    const backend = await startBackend();
    await backend.kill('SIGTERM');
    assert.equal(existsSync(`${backend.databasePath}.lock`), false);
  });

  test('logs go to stderr and log/message, never to stdout (the protocol stream)', async () => {
    const backend = await startBackend({ clientName: 'log test' });
    const message = await backend.waitForNotification(LogMessage, (m) => /Opened/.test(m.message));
    assert.equal(message.level, 'info');
    assert.match(backend.stderr(), /Opened .*registry\.sqlite/);
    await backend.request(RoleSave, { role: { name: 'Logged' } }); // the stream still parses
  });

  test('--node-ipc serves the same contract and exits when the parent disconnects', async () => {
    ensureServerBuilt();
    const databasePath = join(makeTempDir(), 'ipc.sqlite');
    const child = fork(serverBundle, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
      connection.listen();
      const result = await connection.sendRequest(Initialize, { databasePath, clientName: 'ipc' });
      assert.equal(result.readOnly, false);
      assert.ok((await connection.sendRequest(RoleList, {})).length >= 4);
      child.disconnect();
      await exited;
      await waitFor(() => !existsSync(`${databasePath}.lock`), 5000, 'lock release');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
