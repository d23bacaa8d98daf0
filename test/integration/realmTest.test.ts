// Issue 2 acceptance 5 (and the TLS part of issue 8): realm/test walks resolve → connect → tls →
// bind → search against real slapd servers and reports each step with its time; a wrong password
// fails the bind (1103); a wrong CA, an impostor or an expired certificate fail TLS (1102) before
// any password is sent, also with NODE_TLS_REJECT_UNAUTHORIZED=0; StartTLS to 127.0.0.1 works with
// the CA and a server name; a stopped or frozen server fails within the configured timeouts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import type { RealmInput, RealmTestResult } from '../../protocol/model';
import { RealmSave, RealmTest } from '../../protocol/rpc';
import { makeExpiredCert, makeImpostorCert, makeLookalikeCaCert } from '../../scripts/directory/pki';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';

let slapd: SlapdHandle;
let backend: BackendHandle;
let lookalikeCa: string;

function input(overrides: Partial<RealmInput> = {}): RealmInput {
  return {
    name: 'Test OpenLDAP',
    kind: 'openldap',
    url: slapd.ldapsUrl,
    caCertPath: slapd.caCertPath,
    bindDn: slapd.readerDn,
    baseDn: slapd.baseDn,
    connectTimeoutMs: 2000,
    timeoutMs: 2500,
    ...overrides,
  };
}

function stepNames(result: RealmTestResult): string {
  return result.steps.map((s) => `${s.name}:${s.ok ? 'ok' : `FAIL(${s.code})`}`).join(' ');
}
function failedStep(result: RealmTestResult) {
  const failed = result.steps.filter((s) => !s.ok);
  assert.equal(failed.length, 1, stepNames(result));
  assert.equal(result.steps[result.steps.length - 1], failed[0], 'nothing runs after the failed step');
  return failed[0];
}

before(async () => {
  slapd = await startSlapd({ users: 30 });
  lookalikeCa = (await makeLookalikeCaCert(slapd.pki)).caCertPath;
  backend = await startBackend({ secrets: (p) => (p.bindDn === slapd.readerDn ? slapd.readerPassword : null) });
});
after(async () => {
  await backend?.stop();
  await slapd?.stop();
});

describe('realm/test', () => {
  test('LDAPS: every step passes, with times, a sample and server information', async () => {
    const realm = await backend.request(RealmSave, { realm: input() });
    const result = await backend.request(RealmTest, { realmId: realm.id });
    assert.equal(result.ok, true, stepNames(result));
    assert.deepEqual(result.steps.map((s) => s.name), ['resolve', 'connect', 'tls', 'bind', 'search']);
    for (const s of result.steps) {
      assert.equal(s.ok, true);
      assert.ok(Number.isFinite(s.ms) && s.ms >= 0, `${s.name} has a time`);
    }
    assert.match(result.steps[2].message ?? '', /LDAPS, certificate verified/);
    assert.equal(result.sample.length, 5);
    assert.ok(result.sample.every((e) => e.status === 'new' && e.uuid && e.username));
    assert.equal(result.serverInfo?.vendor, 'OpenLDAP');
    assert.ok(result.serverInfo?.namingContexts?.includes(slapd.baseDn));
    assert.ok(result.serverInfo?.supportedLdapVersion?.includes('3'));
  });

  test('StartTLS to 127.0.0.1 with the right CA and server name succeeds (and by IP SAN without one)', async () => {
    for (const tlsServerName of ['localhost', undefined]) {
      const result = await backend.request(RealmTest, {
        realm: input({ url: slapd.ldapUrl, startTls: true, tlsServerName }),
        password: slapd.readerPassword,
      });
      assert.equal(result.ok, true, `${tlsServerName}: ${stepNames(result)}`);
      assert.match(result.steps[2].message ?? '', /StartTLS, certificate verified/);
    }
  });

  test('a host name is resolved first; an unknown host fails the resolve step', async () => {
    const byName = await backend.request(RealmTest, { realm: input({ url: slapd.ldapsUrl.replace('127.0.0.1', 'localhost') }), password: slapd.readerPassword });
    assert.equal(byName.ok, true, stepNames(byName));
    const unknown = await backend.request(RealmTest, { realm: input({ url: 'ldaps://no-such-host.invalid:636' }), password: slapd.readerPassword });
    const step = failedStep(unknown);
    assert.equal(step.name, 'resolve');
    assert.equal(step.code, ErrorCodes.cannotConnect);
    assert.match(step.message ?? '', /could not be resolved/);
  });

  test('a wrong password fails the bind step with 1103', async () => {
    const result = await backend.request(RealmTest, { realm: input(), password: 'not-the-password' });
    assert.equal(result.ok, false);
    const step = failedStep(result);
    assert.equal(step.name, 'bind');
    assert.equal(step.code, ErrorCodes.bindRejected);
    assert.match(step.message ?? '', /rejected the bind DN or password/);
    assert.ok(!step.message?.includes('not-the-password'));
    assert.deepEqual(result.steps.slice(0, 3).map((s) => s.ok), [true, true, true]);
  });

  test('no password (none stored, or empty) is refused without binding anonymously', async () => {
    const realm = await backend.request(RealmSave, { realm: input({ name: 'No secret', bindDn: 'cn=nobody,dc=example,dc=test' }) });
    for (const params of [{ realmId: realm.id }, { realm: input(), password: '' }, { realm: input(), password: '   ' }]) {
      const result = await backend.request(RealmTest, params);
      const step = failedStep(result);
      assert.equal(step.name, 'bind');
      assert.equal(step.code, ErrorCodes.bindRejected);
      assert.match(step.message ?? '', /No password is set/);
    }
  });

  test('a CA that did not issue the certificate fails the tls step with 1102 (LDAPS and StartTLS)', async () => {
    for (const overrides of [{}, { url: slapd.ldapUrl, startTls: true, tlsServerName: 'localhost' }]) {
      const result = await backend.request(RealmTest, { realm: input({ caCertPath: lookalikeCa, ...overrides }), password: slapd.readerPassword });
      const step = failedStep(result);
      assert.equal(step.name, 'tls', stepNames(result));
      assert.equal(step.code, ErrorCodes.tlsFailure);
      assert.match(step.message ?? '', /not signed by the configured CA.*password was not sent/);
    }
  });

  test('a server name the certificate does not carry fails the tls step with 1102', async () => {
    const result = await backend.request(RealmTest, { realm: input({ tlsServerName: 'ldap.example.org' }), password: slapd.readerPassword });
    const step = failedStep(result);
    assert.equal(step.name, 'tls');
    assert.equal(step.code, ErrorCodes.tlsFailure);
    assert.match(step.message ?? '', /not issued for this host name/);
  });

  test('plain ldap:// is refused (1106) before connecting unless the realm allows insecure binds', async () => {
    const refused = await backend.request(RealmTest, { realm: input({ url: slapd.ldapUrl }), password: slapd.readerPassword });
    const step = failedStep(refused);
    assert.equal(step.name, 'tls');
    assert.equal(step.code, ErrorCodes.insecureBindRefused);
    assert.match(step.message ?? '', /password unencrypted; it was not sent/);
    assert.ok(!refused.steps.some((s) => s.name === 'connect'), 'no connection was opened');
    const allowed = await backend.request(RealmTest, { realm: input({ url: slapd.ldapUrl, allowInsecure: true }), password: slapd.readerPassword });
    assert.equal(allowed.ok, true, stepNames(allowed));
    assert.match(allowed.steps[2].message ?? '', /insecure/);
  });

  test('a stopped server fails the connect step within the connect timeout (1101)', async () => {
    const gone = await startSlapd({ users: 1, awkward: false, pki: slapd.pki });
    const url = gone.ldapsUrl;
    await gone.stop();
    const started = performance.now();
    const result = await backend.request(RealmTest, { realm: input({ url }), password: slapd.readerPassword });
    const elapsed = performance.now() - started;
    const step = failedStep(result);
    assert.equal(step.name, 'connect');
    assert.equal(step.code, ErrorCodes.cannotConnect);
    assert.match(step.message ?? '', /connection refused/);
    assert.ok(elapsed < 2000, `${elapsed} ms`);
  });

  test('a frozen server fails within the configured timeouts (1104), LDAPS and StartTLS', async () => {
    await slapd.pause();
    try {
      for (const [overrides, stepName] of [
        [{}, 'tls'],
        [{ url: slapd.ldapUrl, startTls: true, tlsServerName: 'localhost' }, 'tls'],
      ] as const) {
        const started = performance.now();
        const result = await backend.request(RealmTest, { realm: input(overrides), password: slapd.readerPassword });
        const elapsed = performance.now() - started;
        const step = failedStep(result);
        assert.equal(step.name, stepName, stepNames(result));
        assert.equal(step.code, ErrorCodes.timeout);
        assert.ok(elapsed >= 1900 && elapsed < 6000, `${elapsed} ms`);
      }
    } finally {
      await slapd.resume();
    }
  });

  test('a test against a frozen server can be cancelled', async () => {
    await slapd.pause();
    try {
      const source = new CancellationTokenSource();
      const started = performance.now();
      const pending = backend.request(RealmTest, { realm: input({ timeoutMs: 30_000, connectTimeoutMs: 30_000 }), password: slapd.readerPassword }, { token: source.token });
      setTimeout(() => source.cancel(), 300);
      await assert.rejects(pending, (err: unknown) => err instanceof ResponseError && err.code === -32800);
      assert.ok(performance.now() - started < 3000);
    } finally {
      await slapd.resume();
    }
  });
});

describe('certificates an attacker could present', () => {
  let impostor: SlapdHandle;
  let expired: SlapdHandle;
  let lax: BackendHandle;
  before(async () => {
    [impostor, expired] = await Promise.all([
      makeImpostorCert(slapd.pki).then((serverCert) => startSlapd({ users: 1, awkward: false, pki: slapd.pki, serverCert })),
      makeExpiredCert(slapd.pki).then((serverCert) => startSlapd({ users: 1, awkward: false, pki: slapd.pki, serverCert })),
    ]);
    // A backend whose environment disables Node's certificate checks: ours must not care.
    lax = await startBackend({ env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
  });
  after(async () => {
    await lax?.stop();
    await impostor?.stop();
    await expired?.stop();
  });

  test('an impostor (same names, self-signed) and an expired certificate are refused, even with NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    const cases = [
      { server: () => impostor, pattern: /not signed by the configured CA/ },
      { server: () => expired, pattern: /expired/ },
    ];
    for (const client of [backend, lax]) {
      for (const { server, pattern } of cases) {
        for (const overrides of [{ url: server().ldapsUrl }, { url: server().ldapUrl, startTls: true, tlsServerName: 'localhost' }]) {
          const result = await client.request(RealmTest, { realm: input(overrides), password: slapd.readerPassword });
          const step = failedStep(result);
          assert.equal(step.name, 'tls', `${overrides.url}: ${stepNames(result)}`);
          assert.equal(step.code, ErrorCodes.tlsFailure);
          assert.match(step.message ?? '', pattern);
        }
      }
      // Wrong CA through the lax backend too.
      const wrongCa = await client.request(RealmTest, { realm: input({ caCertPath: lookalikeCa }), password: slapd.readerPassword });
      assert.equal(failedStep(wrongCa).code, ErrorCodes.tlsFailure);
    }
  });
});
