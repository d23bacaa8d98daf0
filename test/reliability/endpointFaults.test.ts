// Faults at the other end of the connection, before any entry is read: nothing listening (closed
// port), a host name that does not resolve, a black hole (accepts TCP, never answers), a server
// that hangs up at once, one that answers garbage bytes, LDAPS spoken to a plain LDAP port and
// StartTLS to an LDAPS port, and a frozen slapd (SIGSTOP before the connection).
// Expected: realm/test names the failing step and realm/search fails with the matching code
// (1101 cannot connect, 1102 TLS, 1104 timeout) within the realm's timeouts (connect 1 s, request
// 1.5 s: every case settles in under ~6 s), the password is never in a message, and the backend
// keeps answering.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import type { RealmInput } from '../../protocol/model';
import { RealmSave, RealmSearch, RealmTest, RoleList } from '../../protocol/rpc';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';
import { tryEach } from '../support/reliabilityTally';
import { expectRpcError, timed } from './reliabilitySupport';

const password = 'Endpoint-Passw0rd-9';
const connectTimeoutMs = 1000;
const timeoutMs = 1500;
const boundMs = 6500;
let slapd: SlapdHandle;
let backend: BackendHandle;
const servers: { server: Server; sockets: Set<Socket> }[] = [];

async function fakeServer(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  slapd = await startSlapd({ users: 10 });
  backend = await startBackend({ secrets: () => password });
});

after(async () => {
  for (const { server, sockets } of servers) {
    for (const s of sockets) s.destroy();
    server.close();
  }
  await backend?.stop();
  await slapd?.stop();
});

interface EndpointCase {
  name: string;
  realm: () => Promise<Partial<RealmInput>>;
  step: string;
  codes: number[];
  /** Run with slapd frozen. */
  frozen?: boolean;
}

describe('unreachable, silent, rude or mismatched servers', { timeout: 90_000 }, () => {
  test('each fails at the right step with the right code, within the timeouts', async () => {
    const tls = () => ({ caCertPath: slapd.caCertPath, tlsServerName: 'localhost' });
    const cases: EndpointCase[] = [
      { name: 'closed port (LDAPS)', realm: async () => ({ url: `ldaps://127.0.0.1:${await closedPort()}`, ...tls() }), step: 'connect', codes: [ErrorCodes.cannotConnect] },
      { name: 'closed port (StartTLS)', realm: async () => ({ url: `ldap://127.0.0.1:${await closedPort()}`, startTls: true, ...tls() }), step: 'connect', codes: [ErrorCodes.cannotConnect] },
      { name: 'host name that does not resolve', realm: async () => ({ url: 'ldaps://ldap.does-not-exist.invalid', ...tls() }), step: 'resolve', codes: [ErrorCodes.cannotConnect] },
      { name: 'black hole (LDAPS: TLS never answered)', realm: async () => ({ url: `ldaps://127.0.0.1:${await fakeServer(() => undefined)}`, ...tls() }), step: 'tls', codes: [ErrorCodes.timeout, ErrorCodes.tlsFailure] },
      { name: 'black hole (StartTLS never answered)', realm: async () => ({ url: `ldap://127.0.0.1:${await fakeServer(() => undefined)}`, startTls: true, ...tls() }), step: 'tls', codes: [ErrorCodes.timeout, ErrorCodes.tlsFailure] },
      { name: 'hangs up at once (LDAPS)', realm: async () => ({ url: `ldaps://127.0.0.1:${await fakeServer((s) => s.destroy())}`, ...tls() }), step: 'tls', codes: [ErrorCodes.cannotConnect, ErrorCodes.tlsFailure] },
      { name: 'hangs up after StartTLS request', realm: async () => ({ url: `ldap://127.0.0.1:${await fakeServer((s) => s.once('data', () => s.destroy()))}`, startTls: true, ...tls() }), step: 'tls', codes: [ErrorCodes.cannotConnect, ErrorCodes.tlsFailure] },
      { name: 'answers garbage (LDAPS)', realm: async () => ({ url: `ldaps://127.0.0.1:${await fakeServer((s) => s.write(Buffer.alloc(512, 0x41)))}`, ...tls() }), step: 'tls', codes: [ErrorCodes.tlsFailure, ErrorCodes.cannotConnect] },
      { name: 'answers garbage to StartTLS', realm: async () => ({ url: `ldap://127.0.0.1:${await fakeServer((s) => s.once('data', () => s.write(Buffer.from('30ff0201016500', 'hex'))))}`, startTls: true, ...tls() }), step: 'tls', codes: [ErrorCodes.tlsFailure, ErrorCodes.cannotConnect, ErrorCodes.timeout] },
      { name: 'LDAPS spoken to the plain LDAP port', realm: async () => ({ url: `ldaps://127.0.0.1:${slapd.ldapPort}`, ...tls() }), step: 'tls', codes: [ErrorCodes.tlsFailure, ErrorCodes.cannotConnect, ErrorCodes.timeout] },
      { name: 'StartTLS spoken to the LDAPS port', realm: async () => ({ url: `ldap://127.0.0.1:${slapd.ldapsPort}`, startTls: true, ...tls() }), step: 'tls', codes: [ErrorCodes.tlsFailure, ErrorCodes.cannotConnect, ErrorCodes.timeout] },
      { name: 'slapd frozen before the connection (LDAPS)', realm: async () => ({ url: slapd.ldapsUrl, ...tls() }), step: 'tls', codes: [ErrorCodes.timeout], frozen: true },
      { name: 'slapd frozen before the connection (StartTLS)', realm: async () => ({ url: slapd.ldapUrl, startTls: true, ...tls() }), step: 'tls', codes: [ErrorCodes.timeout], frozen: true },
    ];
    let n = 0;
    await tryEach('unreachable servers', cases, (c) => c.name, async (c) => {
      const saved = await backend.request(RealmSave, {
        realm: { name: `Endpoint ${++n}`, kind: 'openldap', url: '', bindDn: slapd.readerDn, baseDn: slapd.baseDn, connectTimeoutMs, timeoutMs, ...(await c.realm()) } as RealmInput,
      });
      if (c.frozen) await slapd.pause();
      try {
        const tested = await timed(backend.request(RealmTest, { realmId: saved.id }));
        assert.ok(tested.value, `${c.name}: realm/test answers with steps (${String(tested.error)})`);
        assert.equal(tested.value.ok, false);
        const failed = tested.value.steps.find((s) => !s.ok)!;
        assert.ok(c.codes.includes(failed.code!), `${c.name}: step ${failed.name} code ${failed.code}: ${failed.message}`);
        assert.ok(!failed.message?.includes(password), `${c.name}: no password in the message`);
        assert.ok(tested.ms < boundMs, `${c.name}: realm/test took ${Math.round(tested.ms)} ms`);
        const searched = await timed(expectRpcError(backend.request(RealmSearch, { realmId: saved.id, query: '*' }), c.codes, [password], c.name));
        assert.ok(searched.ms < boundMs, `${c.name}: realm/search took ${Math.round(searched.ms)} ms`);
        if (c.step === 'connect' || c.step === 'resolve') assert.equal(failed.name, c.step, `${c.name}: the failing step`);
        else assert.ok(['connect', 'tls'].includes(failed.name), `${c.name}: failed at ${failed.name}, before any bind`);
      } finally {
        if (c.frozen) await slapd.resume();
      }
      const ping = await timed(backend.request(RoleList, {}));
      assert.ok(ping.ms < 1000, 'the backend keeps answering');
    });
  });
});
