// What the reliability tests share: file fingerprints (to prove "byte-identical"), the contract
// error a request must fail with, a recording TCP proxy (to prove what went over the wire), and the
// password sweep over everything a backend produced (stderr, log notifications, database, audit).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import type { RealmInput } from '../../protocol/model';
import { AuditList, LogMessage } from '../../protocol/rpc';
import type { SlapdHandle } from '../../scripts/directory/slapd';
import type { BackendHandle } from '../support/backendClient';

/** sha256 of a file's bytes, or 'absent'. */
export function fingerprint(path: string): string {
  if (!existsSync(path)) return 'absent';
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Fingerprints of every file in a folder (name → sha256), to show that nothing appeared or changed. */
export function folderFingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    out[name] = statSync(path).isDirectory() ? 'dir' : fingerprint(path);
  }
  return out;
}

/**
 * Awaits a request that must fail with contract error `code`; returns the error. Checks that the
 * message is a sentence an administrator can act on and that it holds none of `secrets`.
 */
export async function expectRpcError(promise: Promise<unknown>, code: number | readonly number[], secrets: readonly string[] = [], what = ''): Promise<ResponseError<unknown>> {
  const codes = Array.isArray(code) ? code : [code];
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    assert.ok(error instanceof ResponseError, `${what}: expected a JSON-RPC error ${codes.join('/')}, got ${String(error)}`);
    assert.ok(codes.includes(error.code), `${what}: expected error ${codes.join('/')}, got ${error.code}: ${error.message}`);
    assert.ok(error.message.length >= 15, `${what}: the message should say what happened: "${error.message}"`);
    for (const secret of secrets) {
      assert.ok(!error.message.includes(secret) && !JSON.stringify(error.data ?? {}).includes(secret), `${what}: the error reveals a password`);
    }
    return error;
  }
  assert.fail(`${what}: expected error ${codes.join('/')}, but the request succeeded: ${JSON.stringify(result)?.slice(0, 300)}`);
}

/** Resolves with how long `promise` took to settle (ms) and its outcome. */
export async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/** A realm on the test slapd over StartTLS (verified against its CA), bound as the reader. */
export function slapdRealm(slapd: SlapdHandle, overrides: Partial<RealmInput> = {}): RealmInput {
  return {
    name: 'Reliability OpenLDAP',
    kind: 'openldap',
    url: slapd.ldapUrl,
    startTls: true,
    caCertPath: slapd.caCertPath,
    tlsServerName: 'localhost',
    bindDn: slapd.readerDn,
    baseDn: slapd.baseDn,
    pageSize: 100,
    connectTimeoutMs: 2000,
    timeoutMs: 2500,
    ...overrides,
  };
}

export interface RecordingProxy {
  readonly port: number;
  readonly url: string;
  /** Every byte a client sent through the proxy, concatenated in arrival order. */
  clientBytes(): Buffer;
  /** Number of connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 that forwards to `target` and records what clients send, so a test can
 * show that a password never crossed the wire (in the clear, or at all).
 */
export async function startRecordingProxy(targetPort: number, scheme: 'ldap' | 'ldaps' = 'ldap', host = '127.0.0.1'): Promise<RecordingProxy> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `${scheme}://${host}:${port}`,
    clientBytes: () => Buffer.concat(chunks),
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Every text a backend produced that an administrator or a file could show. */
export async function backendArtifacts(backend: BackendHandle, options: { includeAudit?: boolean } = {}): Promise<{ name: string; bytes: Buffer }[]> {
  const out: { name: string; bytes: Buffer }[] = [];
  out.push({ name: 'backend stderr', bytes: Buffer.from(backend.stderr(), 'utf8') });
  out.push({ name: 'log/message notifications', bytes: Buffer.from(JSON.stringify(backend.notifications(LogMessage)), 'utf8') });
  if (options.includeAudit !== false && !backend.hasExited) {
    try {
      const audit = await backend.request(AuditList, { limit: 1000 }, { timeoutMs: 10_000 });
      out.push({ name: 'audit entries', bytes: Buffer.from(JSON.stringify(audit), 'utf8') });
    } catch {
      // no database (refused file): nothing audited
    }
  }
  const dbDir = backend.databasePath.replace(/\/[^/]*$/, '');
  if (existsSync(dbDir)) {
    for (const name of readdirSync(dbDir)) {
      const path = join(dbDir, name);
      if (statSync(path).isFile()) out.push({ name: `file ${name}`, bytes: readFileSync(path) });
    }
  }
  return out;
}

/** Fails when any password (as UTF-8, UTF-16LE or base64) occurs in any artifact. */
export function assertNoPasswords(artifacts: { name: string; bytes: Buffer }[], passwords: readonly string[]): void {
  for (const password of passwords) {
    const forms = [Buffer.from(password, 'utf8'), Buffer.from(password, 'utf16le'), Buffer.from(Buffer.from(password).toString('base64'))];
    for (const { name, bytes } of artifacts) {
      for (const form of forms) {
        assert.equal(bytes.indexOf(form), -1, `a password (${password.length} chars) appears in ${name}`);
      }
    }
  }
}

/** Polls `condition` every 20 ms until it is true or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
