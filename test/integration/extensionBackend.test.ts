// The extension's backend connection (extension/backend/, no vscode) against the real
// dist/server.js: lazy start over --node-ipc, kill -9 while a request is pending (fails within
// 1 s with a clear message; the next request works on a restarted backend with the data intact),
// giving up after 5 crashes, a refused initialize, shutdown, and secret/get answered from bind
// passwords bound to url + bind DN against a real slapd.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import type { RealmInput } from '../../protocol/model';
import { RealmList, RealmSave, RealmTest, RoleList, RoleSave, SecretGet, type SecretGetParams } from '../../protocol/rpc';
import { BackendUnavailableError, type BackendState } from '../../extension/backend/backendClient';
import { BackendSupervisor, type BackendSupervisorOptions } from '../../extension/backend/backendSupervisor';
import { BindPasswords, type SecretStore } from '../../extension/secrets/bindPasswords';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { ensureServerBuilt, makeTempDir, serverBundle } from '../support/backendClient';

const supervisors: BackendSupervisor[] = [];
after(async () => {
  await Promise.all(supervisors.map((s) => s.stop().catch(() => undefined)));
});

function supervisor(options: Partial<BackendSupervisorOptions> = {}, databasePath?: string): BackendSupervisor {
  ensureServerBuilt();
  const path = databasePath ?? join(makeTempDir('ldapum-ext-'), 'registry.sqlite');
  const s = new BackendSupervisor({
    serverModule: serverBundle,
    transport: 'ipc',
    initializeParams: () => ({ databasePath: path, clientName: 'extensionBackend.test' }),
    crashPolicy: { maxCrashes: 5, windowMs: 180_000, backoffMs: [50, 100, 200] },
    initializeTimeoutMs: 20_000,
    ...options,
  });
  supervisors.push(s);
  return s;
}

/** A TCP server that accepts connections and never answers: an LDAP request to it stays pending. */
async function silentServer(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ldap://127.0.0.1:${port}`,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

function silentRealm(url: string): RealmInput {
  return {
    name: 'Silent',
    kind: 'openldap',
    url,
    allowInsecure: true,
    bindDn: 'cn=reader,dc=example,dc=test',
    baseDn: 'dc=example,dc=test',
    connectTimeoutMs: 60_000,
    timeoutMs: 60_000,
  };
}

async function waitForState(s: BackendSupervisor, state: BackendState, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (s.state !== state) {
    if (Date.now() > deadline) {
      throw new Error(`backend state is ${s.state}, expected ${state}`);
    }
    await new Promise((done) => setTimeout(done, 20));
  }
}

describe('extension backend connection', () => {
  test('starts on first request only, over --node-ipc', async () => {
    const s = supervisor();
    assert.equal(s.state, 'idle');
    assert.equal(s.pid, undefined, 'nothing forked before the first request');
    assert.deepEqual(await s.request(RealmList, {}), []);
    assert.equal(s.state, 'ready');
    assert.equal(s.session?.readOnly, false);
    assert.ok(s.pid);
  });

  test('kill -9 while a request is pending: it fails within 1 s with a clear message; the next request works on a restarted backend', async (t) => {
    const silent = await silentServer();
    t.after(() => silent.close());
    const s = supervisor();
    const crashes: string[] = [];
    s.onDidCrash(({ exit }) => crashes.push(String(exit.signal)));
    await s.request(RoleSave, { role: { name: 'Survivor' } });
    const firstPid = s.pid!;

    // realm/test against a server that never answers stays pending (60 s timeouts).
    const pending = s.request(RealmTest, { realm: silentRealm(silent.url), password: 'not-used' });
    const outcome = pending.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await new Promise((done) => setTimeout(done, 300)); // let the backend reach the socket
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');
    const err = await outcome;
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed < 1_000, `rejected after ${elapsed} ms`);
    assert.ok(err instanceof BackendUnavailableError, `got ${String(err)}`);
    assert.equal(err.reason, 'crashed');
    assert.match(err.message, /backend was killed \(SIGKILL\)/);
    assert.match(err.message, /Run the command again/);
    assert.deepEqual(crashes, ['SIGKILL']);

    // The next request restarts the backend (without waiting out the backoff) and sees the data.
    const roles = await s.request(RoleList, {});
    assert.ok(
      roles.some((r) => r.name === 'Survivor'),
      'the role saved before the crash is still there',
    );
    assert.notEqual(s.pid, firstPid);
    assert.equal(s.state, 'ready');
  });

  test('cancelling a pending request sends $/cancelRequest: it ends as cancelled and the backend stays up', async (t) => {
    const silent = await silentServer();
    t.after(() => silent.close());
    const s = supervisor();
    await s.request(RealmList, {});
    const pid = s.pid;
    const source = new CancellationTokenSource();
    const pending = s.request(RealmTest, { realm: silentRealm(silent.url), password: 'not-used' }, source.token).then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await new Promise((done) => setTimeout(done, 300));
    const cancelledAt = Date.now();
    source.cancel();
    const err = await pending;
    assert.equal((err as { code?: number }).code, -32800, `got ${String(err)}`);
    assert.ok(Date.now() - cancelledAt < 5_000);
    assert.equal(s.pid, pid, 'same backend');
    assert.deepEqual(await s.request(RealmList, {}), []);
  });

  test('after a crash it restarts by itself after the backoff', async () => {
    const s = supervisor();
    await s.request(RealmList, {});
    const pid = s.pid!;
    process.kill(pid, 'SIGKILL');
    await waitForState(s, 'restarting');
    await waitForState(s, 'ready');
    assert.notEqual(s.pid, pid);
  });

  test('5 crashes within the window: it stops, says so, and Restart Backend brings it back', async () => {
    const s = supervisor();
    for (let i = 0; i < 5; i++) {
      await s.request(RealmList, {});
      const pid = s.pid!;
      process.kill(pid, 'SIGKILL');
      await waitForState(s, i < 4 ? 'restarting' : 'failed');
    }
    await assert.rejects(s.request(RealmList, {}), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.reason, 'failed');
      assert.match(err.message, /crashed 5 times within 3 minutes/);
      assert.match(err.message, /Restart Backend/);
      return true;
    });
    assert.equal(s.pid, undefined, 'no backend runs after giving up');
    await s.restart();
    assert.equal(s.state, 'ready');
    assert.deepEqual(await s.request(RealmList, {}), []);
  });

  test('a refused initialize (foreign file) rejects with the backend error and is not a crash', async () => {
    const dir = makeTempDir('ldapum-ext-');
    const path = join(dir, 'foreign.sqlite');
    writeFileSync(path, 'this is not a database, and must not be overwritten\n');
    const s = supervisor({}, path);
    let crashed = false;
    s.onDidCrash(() => (crashed = true));
    await assert.rejects(s.request(RealmList, {}), (err: unknown) => {
      assert.equal((err as { code?: number }).code, ErrorCodes.databaseCorrupt);
      return true;
    });
    assert.equal(crashed, false);
    assert.equal(s.state, 'idle');
    assert.equal(s.pid, undefined);
  });

  test('stop: shutdown, the process ends, later requests say it was shut down', async () => {
    const s = supervisor();
    await s.request(RealmList, {});
    const pid = s.pid!;
    await s.stop();
    assert.equal(s.state, 'stopped');
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await assert.rejects(s.request(RealmList, {}), (err: unknown) => err instanceof BackendUnavailableError && err.reason === 'stopped');
  });
});

describe('secret/get answered from bind passwords (real slapd)', () => {
  let slapd: SlapdHandle | undefined;
  after(async () => {
    await slapd?.stop();
  });

  test('the bind password reaches the directory for its url + DN only', async () => {
    slapd = await startSlapd({ users: 5, awkward: false });
    const stored = new Map<string, string>();
    const store: SecretStore = {
      get: async (k) => stored.get(k),
      store: async (k, v) => void stored.set(k, v),
      delete: async (k) => void stored.delete(k),
    };
    const passwords = new BindPasswords(store);
    const asked: SecretGetParams[] = [];
    const s = supervisor();
    s.onRequest(SecretGet, async (params) => {
      asked.push(params);
      const password = await passwords.lookup(params);
      return password === undefined ? null : { password };
    });
    const realm = await s.request(RealmSave, {
      realm: {
        name: 'Test slapd',
        kind: 'openldap',
        url: slapd.ldapUrl,
        startTls: true,
        caCertPath: slapd.caCertPath,
        bindDn: slapd.readerDn,
        baseDn: slapd.baseDn,
      },
    });
    await passwords.save({ realmId: realm.id, url: realm.url, bindDn: realm.bindDn }, slapd.readerPassword, true);

    const ok = await s.request(RealmTest, { realmId: realm.id });
    assert.equal(ok.ok, true, JSON.stringify(ok.steps));
    assert.ok(ok.sample.length > 0);
    assert.deepEqual(asked.at(-1), { realmId: realm.id, url: slapd.ldapUrl, bindDn: slapd.readerDn });

    // Same realm id, another bind DN: the stored password is not offered (and is deleted).
    const moved = await s.request(RealmSave, { realm: { ...realm, bindDn: slapd.adminDn } });
    const refused = await s.request(RealmTest, { realmId: moved.id }).then(
      (r) => r,
      (err: unknown) => err,
    );
    assert.equal(asked.at(-1)?.bindDn, slapd.adminDn);
    const outcome = refused as { code?: number; ok?: boolean; steps?: unknown };
    const bindFailed = outcome.code === ErrorCodes.bindRejected || (outcome.steps !== undefined && outcome.ok === false);
    assert.ok(bindFailed, `expected a refused bind, got ${JSON.stringify(refused)}`);
    assert.equal(stored.size, 0, 'the password bound to the old DN was deleted');
  });
});
