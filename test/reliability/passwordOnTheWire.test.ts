// Fault: a man in the middle. Our own TLS server (LDAPS, or plain LDAP that answers StartTLS and
// then upgrades) presents a bad certificate — a self-signed impostor with the real names, one from
// a look-alike CA with the same subject, an expired one from the real CA, the real certificate
// reached under an IP or a name it does not carry, or the real certificate while the realm trusts
// another CA — and records every byte it can decrypt.
// Expected: realm/test and realm/search fail with 1102, and the impostor received no application
// data at all: the BIND (and so the password) was never sent. The same with
// NODE_TLS_REJECT_UNAUTHORIZED=0 in the backend's environment. A plain ldap:// realm without the
// insecure opt-in, and an empty password, are refused before any connection is opened (a recording
// proxy sees none). Control: with the opt-in, the same proxy does see the password, so the
// recording works. The password is asked for (`secret/get`) with the realm's current URL and bind DN.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { BerReader } from 'ldapts';
import { ErrorCodes } from '../../protocol/errors';
import type { RealmInput } from '../../protocol/model';
import { RealmSave, RealmSearch, RealmTest } from '../../protocol/rpc';
import { makeExpiredCert, makeImpostorCert, makeLookalikeCaCert, type CertPair } from '../../scripts/directory/pki';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';
import { tryFault } from '../support/reliabilityTally';
import { assertNoPasswords, backendArtifacts, expectRpcError, startRecordingProxy } from './reliabilitySupport';

const category = 'TLS and the password on the wire';
/** A password only these tests use, so finding it anywhere means it was sent. */
const password = 'Wire-Secret-7f3a9c!';

let slapd: SlapdHandle;
let backend: BackendHandle;
let insecureEnvBackend: BackendHandle;
let impostor: CertPair;
let lookalike: CertPair & { caCertPath: string };
let expired: CertPair;

before(async () => {
  slapd = await startSlapd({ users: 20 });
  [impostor, lookalike, expired] = await Promise.all([
    makeImpostorCert(slapd.pki),
    makeLookalikeCaCert(slapd.pki),
    makeExpiredCert(slapd.pki),
  ]);
  backend = await startBackend({ secrets: () => password });
  insecureEnvBackend = await startBackend({ secrets: () => password, env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
});

after(async () => {
  for (const b of [backend, insecureEnvBackend]) {
    if (b && !b.hasExited) assertNoPasswords(await backendArtifacts(b), [password]);
  }
  await Promise.all([backend?.stop(), insecureEnvBackend?.stop()]);
  await slapd?.stop();
});

interface Impostor {
  port: number;
  host: string;
  /** Decrypted bytes the client sent after the handshake. */
  received(): Buffer;
  /** Cleartext bytes before any TLS (StartTLS request). */
  cleartext(): Buffer;
  close(): Promise<void>;
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as { port: number }).port));
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An LDAPS impostor: TLS from the first byte, with `cert`. */
async function ldapsImpostor(cert: CertPair, host = '127.0.0.1'): Promise<Impostor> {
  const data: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createTlsServer({ cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) }, (socket) => {
    sockets.add(socket);
    socket.on('data', (d: Buffer) => data.push(Buffer.from(d)));
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  server.on('connection', (s: Socket) => sockets.add(s));
  const port = await listen(server, host);
  return { port, host, received: () => Buffer.concat(data), cleartext: () => Buffer.alloc(0), close: () => closeServer(server, sockets) };
}

/** A StartTLS impostor: answers the StartTLS extended request with success, then upgrades with `cert`. */
async function startTlsImpostor(cert: CertPair, host = '127.0.0.1'): Promise<Impostor> {
  const decrypted: Buffer[] = [];
  const clear: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (request: Buffer) => {
      clear.push(Buffer.from(request));
      const reader = new BerReader(request);
      reader.readSequence();
      const messageId = reader.readInt() ?? 1;
      // ExtendedResponse { resultCode success, matchedDN "", diagnosticMessage "" }
      socket.write(Buffer.from([0x30, 0x0c, 0x02, 0x01, messageId, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]));
      const secure = new TLSSocket(socket, { isServer: true, cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) });
      sockets.add(secure);
      secure.on('data', (d: Buffer) => decrypted.push(Buffer.from(d)));
      secure.on('error', () => undefined);
    });
  });
  const port = await listen(server, host);
  return { port, host, received: () => Buffer.concat(decrypted), cleartext: () => Buffer.concat(clear), close: () => closeServer(server, sockets) };
}

interface MitmCase {
  name: string;
  cert: () => CertPair;
  /** Realm settings beyond the URL. */
  realm: () => Partial<RealmInput>;
  host?: string;
}

const cases: MitmCase[] = [
  { name: 'self-signed impostor with the real names', cert: () => impostor, realm: () => ({ caCertPath: slapd.caCertPath }) },
  { name: 'look-alike CA (same subject, other key)', cert: () => lookalike, realm: () => ({ caCertPath: slapd.caCertPath }) },
  { name: 'expired certificate from the real CA', cert: () => expired, realm: () => ({ caCertPath: slapd.caCertPath }) },
  { name: 'real certificate, realm trusts another CA', cert: () => slapd.pki.server, realm: () => ({ caCertPath: lookalike.caCertPath }) },
  { name: 'real certificate, name it does not carry', cert: () => slapd.pki.server, realm: () => ({ caCertPath: slapd.caCertPath, tlsServerName: 'ldap.example.org' }) },
  { name: 'real certificate reached by an IP it does not carry (127.0.0.2)', cert: () => slapd.pki.server, realm: () => ({ caCertPath: slapd.caCertPath }), host: '127.0.0.2' },
  { name: 'real certificate, no CA configured (public roots only)', cert: () => slapd.pki.server, realm: () => ({ caCertPath: undefined }) },
];

let realmCounter = 0;
async function realmFor(target: BackendHandle, input: Partial<RealmInput>): Promise<number> {
  const saved = await target.request(RealmSave, {
    realm: {
      name: `MITM ${++realmCounter}`,
      kind: 'openldap',
      bindDn: slapd.readerDn,
      baseDn: slapd.baseDn,
      connectTimeoutMs: 1500,
      timeoutMs: 2000,
      url: '',
      ...input,
    } as RealmInput,
  });
  return saved.id;
}

async function checkRefused(target: BackendHandle, imp: Impostor, realm: Partial<RealmInput>, what: string): Promise<void> {
  const realmId = await realmFor(target, realm);
  const result = await target.request(RealmTest, { realmId });
  assert.equal(result.ok, false, `${what}: realm/test must fail`);
  const failed = result.steps.find((s) => !s.ok);
  assert.equal(failed?.name, 'tls', `${what}: the TLS step fails (${JSON.stringify(result.steps.map((s) => [s.name, s.ok, s.code]))})`);
  assert.equal(failed?.code, ErrorCodes.tlsFailure, what);
  assert.ok(!result.steps.some((s) => s.name === 'bind' && s.ok), `${what}: no bind`);
  await expectRpcError(target.request(RealmSearch, { realmId, query: '*' }), ErrorCodes.tlsFailure, [password], `${what}: search`);
  assert.equal(imp.received().length, 0, `${what}: the impostor received ${imp.received().length} decrypted bytes — nothing may be sent after a failed handshake`);
  assert.equal(imp.cleartext().indexOf(Buffer.from(password)), -1, `${what}: no password in the clear`);
}

describe('a man in the middle with a bad certificate never receives the bind', { timeout: 90_000 }, () => {
  for (const transport of ['ldaps', 'starttls'] as const) {
    test(`${transport}: every bad certificate is refused before the BIND`, async () => {
      for (const c of cases) {
        for (const [label, target] of [['', backend], [' (NODE_TLS_REJECT_UNAUTHORIZED=0)', insecureEnvBackend]] as const) {
          await tryFault(category, `${transport}: ${c.name}${label}`, async () => {
            const imp = transport === 'ldaps' ? await ldapsImpostor(c.cert(), c.host) : await startTlsImpostor(c.cert(), c.host);
            try {
              const url = `${transport === 'ldaps' ? 'ldaps' : 'ldap'}://${imp.host}:${imp.port}`;
              await checkRefused(target, imp, { url, startTls: transport === 'starttls', ...c.realm() }, `${transport} ${c.name}${label}`);
            } finally {
              await imp.close();
            }
          });
        }
      }
    });
  }

  test('control: the same impostors (LDAPS and StartTLS) with a certificate the realm trusts do receive the BIND', async () => {
    // Proves the recording: the real certificate and CA, reached under a name it carries.
    const imp = await ldapsImpostor(slapd.pki.server);
    try {
      const realmId = await realmFor(backend, { url: `ldaps://127.0.0.1:${imp.port}`, caCertPath: slapd.caCertPath, timeoutMs: 800 });
      await backend.request(RealmTest, { realmId });
      assert.ok(imp.received().indexOf(Buffer.from(password)) >= 0, 'the trusted server saw the BIND with the password');
    } finally {
      await imp.close();
    }
    const starttls = await startTlsImpostor(slapd.pki.server);
    try {
      const realmId = await realmFor(backend, { url: `ldap://127.0.0.1:${starttls.port}`, startTls: true, caCertPath: slapd.caCertPath, tlsServerName: 'localhost', timeoutMs: 800 });
      await backend.request(RealmTest, { realmId });
      assert.ok(starttls.received().indexOf(Buffer.from(password)) >= 0, 'the trusted StartTLS server saw the BIND with the password');
      assert.equal(starttls.cleartext().indexOf(Buffer.from(password)), -1, 'but not before TLS');
    } finally {
      await starttls.close();
    }
  });
});

describe('no connection at all when binding would be unsafe or anonymous', { timeout: 60_000 }, () => {
  test('plain ldap:// without the insecure opt-in: refused (1106), no connection; with it, the proxy sees the password', async () => {
    await tryFault(category, 'plain ldap:// without opt-in', async () => {
      const proxy = await startRecordingProxy(slapd.ldapPort);
      try {
        const realmId = await realmFor(backend, { url: proxy.url, startTls: false, allowInsecure: false });
        await expectRpcError(backend.request(RealmSearch, { realmId, query: '*' }), ErrorCodes.insecureBindRefused, [password], 'plain');
        const tested = await backend.request(RealmTest, { realmId });
        assert.equal(tested.ok, false);
        assert.equal(proxy.connections(), 0, 'not even a TCP connection was opened');
        // Control: with the opt-in the password goes out in the clear, and the proxy sees it.
        const insecure = await realmFor(backend, { url: proxy.url, startTls: false, allowInsecure: true });
        await backend.request(RealmTest, { realmId: insecure });
        assert.ok(proxy.clientBytes().indexOf(Buffer.from(password)) >= 0, 'the recording proxy sees a cleartext bind');
      } finally {
        await proxy.close();
      }
    });
  });

  test('StartTLS through a recording proxy: the password never appears in the clear', async () => {
    await tryFault(category, 'StartTLS to the real server: no cleartext password', async () => {
      const proxy = await startRecordingProxy(slapd.ldapPort);
      try {
        const realmId = await realmFor(backend, { url: proxy.url, startTls: true, caCertPath: slapd.caCertPath, tlsServerName: 'localhost', bindDn: slapd.readerDn });
        await backend.request(RealmTest, { realmId });
        assert.ok(proxy.connections() >= 1);
        assert.ok(proxy.clientBytes().length > 100, 'traffic went through the proxy');
        assert.equal(proxy.clientBytes().indexOf(Buffer.from(password)), -1, 'the password is not on the wire in the clear');
      } finally {
        await proxy.close();
      }
    });
  });

  test('empty, blank or missing password, bind DN named like a SASL mechanism: refused, no connection', async () => {
    const proxy = await startRecordingProxy(slapd.ldapPort);
    try {
      for (const [name, secret] of [['empty password', ''], ['whitespace password', ' \t '], ['no stored password', null]] as const) {
        await tryFault(category, name, async () => {
          const realmId = await realmFor(backend, { url: proxy.url, startTls: true, caCertPath: slapd.caCertPath, tlsServerName: 'localhost' });
          backend.onSecretGet((p) => (p.realmId === realmId ? secret : password));
          try {
            await expectRpcError(backend.request(RealmSearch, { realmId, query: '*' }), ErrorCodes.bindRejected, [password], name);
          } finally {
            backend.onSecretGet(() => password);
          }
          assert.equal(proxy.connections(), 0, `${name}: nothing was sent`);
        });
      }
      for (const mechanism of ['EXTERNAL', 'PLAIN', 'GSSAPI', 'DIGEST-MD5']) {
        await tryFault(category, `bind DN "${mechanism}" (a SASL mechanism name)`, async () => {
          await expectRpcError(realmFor(backend, { url: proxy.url, startTls: true, caCertPath: slapd.caCertPath, bindDn: mechanism }), ErrorCodes.invalidInput, [], mechanism);
          assert.equal(proxy.connections(), 0);
        });
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('the password is asked for with the realm as it is now', () => {
  test('secret/get carries the current URL and bind DN; a changed URL is asked for anew', async () => {
    await tryFault(category, 'stored password follows a changed URL/bind DN', async () => {
      const requests = backend.secretRequests;
      const realmId = await realmFor(backend, { url: slapd.ldapsUrl, caCertPath: slapd.caCertPath });
      await backend.request(RealmTest, { realmId });
      const first = requests.filter((r) => r.realmId === realmId).at(-1);
      assert.deepEqual(first, { realmId, url: slapd.ldapsUrl, bindDn: slapd.readerDn });
      // Edit the realm to point elsewhere (as a workspace file could): the next ask names the new endpoint.
      const moved = `ldaps://localhost:${slapd.ldapsPort}`;
      const otherDn = `cn=other,ou=System,${slapd.baseDn}`;
      await backend.request(RealmSave, { realm: { name: `MITM ${realmCounter}`, id: realmId, kind: 'openldap', url: moved, caCertPath: slapd.caCertPath, bindDn: otherDn, baseDn: slapd.baseDn, connectTimeoutMs: 1500, timeoutMs: 2000 } });
      const count = requests.length;
      await backend.request(RealmTest, { realmId });
      const second = requests.slice(count).filter((r) => r.realmId === realmId);
      assert.ok(second.length >= 1, 'the backend asked again rather than reusing a password');
      assert.deepEqual(second.at(-1), { realmId, url: moved, bindDn: otherDn });
    });
  });
});
