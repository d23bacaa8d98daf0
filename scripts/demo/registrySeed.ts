// Prepares the demo workspace's user registry the way the extension would: the real backend
// (dist/server.js over stdio) creates the database and saves the demo directory in it. Only the
// realm's settings are stored; its bind password is asked for by VS Code on first use.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { Realm, RealmInput } from '../../protocol/model';
import { Exit, Initialize, RealmSave, Shutdown } from '../../protocol/rpc';

const REQUEST_TIMEOUT_MS = 30_000;

export async function saveRealmInRegistry(repoRoot: string, databasePath: string, realm: RealmInput): Promise<Realm> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist/server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  const deadline = <T>(p: Promise<T>, what: string): Promise<T> =>
    Promise.race([
      p,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`The backend did not answer ${what} within ${REQUEST_TIMEOUT_MS / 1000} s.`)), REQUEST_TIMEOUT_MS).unref()),
    ]);
  try {
    await deadline(connection.sendRequest(Initialize, { databasePath, clientName: 'npm run demo' }), 'initialize');
    const saved = await deadline(connection.sendRequest(RealmSave, { realm }), 'realm/save');
    await deadline(connection.sendRequest(Shutdown, {}), 'shutdown');
    await connection.sendNotification(Exit, {});
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    return saved;
  } catch (e) {
    throw new Error(`Could not prepare the demo registry: ${(e as Error).message}${stderr ? `\nBackend output:\n${stderr}` : ''}`);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
