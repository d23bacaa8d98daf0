// Fault class: a password leaking into something an administrator, a log collector or git can see.
// A full session drives every request that handles a password — realm/test with an inline password
// on unsaved settings, saved realms bound as a reader and as the directory's root (which can read
// every user's userPassword), a wrong password, search, import of users that have userPassword
// values, user/get with raw attributes, resync, candidates, audit, realm deletion.
// Expected: none of the passwords used — bind passwords (right and wrong) and the directory users'
// own passwords — appears, as UTF-8, UTF-16 or base64, in the backend's stderr, its log/message
// notifications, any file in the database folder (registry, lock, temp), the audit entries, or any
// response the backend sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import type { RealmInput } from '../../protocol/model';
import {
  AuditList,
  RealmDelete,
  RealmList,
  RealmResync,
  RealmSave,
  RealmSearch,
  RealmTest,
  UserGet,
  UserImport,
  UserList,
  UserResyncCandidates,
} from '../../protocol/rpc';
import { AWKWARD_PASSWORD, PASSWORD_USERS, regularUserPassword } from '../../scripts/directory/seedUsers';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';
import { tryFault } from '../support/reliabilityTally';
import { assertNoPasswords, backendArtifacts, expectRpcError } from './reliabilitySupport';

const wrongPassword = 'Wrong-Passw0rd-Sweep-42';
let slapd: SlapdHandle;
let backend: BackendHandle;
/** Every response the backend sent in this file, serialized. */
const responses: string[] = [];

before(async () => {
  slapd = await startSlapd({ users: 40 });
  backend = await startBackend({
    secrets: (p) => (p.bindDn === slapd.readerDn ? slapd.readerPassword : p.bindDn === slapd.adminDn ? slapd.adminPassword : wrongPassword),
  });
});

after(async () => {
  await backend?.stop();
  await slapd?.stop();
});

async function keep<T>(promise: Promise<T>): Promise<T> {
  const value = await promise;
  responses.push(JSON.stringify(value));
  return value;
}

function realm(overrides: Partial<RealmInput>): RealmInput {
  return {
    name: 'Sweep',
    kind: 'openldap',
    url: slapd.ldapsUrl,
    caCertPath: slapd.caCertPath,
    bindDn: slapd.readerDn,
    baseDn: slapd.baseDn,
    connectTimeoutMs: 3000,
    timeoutMs: 5000,
    ...overrides,
  };
}

test('no password in logs, notifications, files, audit entries or responses after a full session', { timeout: 90_000 }, async () => {
  const passwords = [
    slapd.readerPassword,
    slapd.adminPassword,
    wrongPassword,
    AWKWARD_PASSWORD,
    ...Array.from({ length: PASSWORD_USERS }, (_, i) => regularUserPassword(i + 1)),
  ];
  await tryFault('password leaks', 'full session sweep', async () => {
    // Unsaved settings tested with an inline password, right and wrong.
    await keep(backend.request(RealmTest, { realm: realm({ name: 'Unsaved' }), password: slapd.readerPassword }));
    const wrong = await keep(backend.request(RealmTest, { realm: realm({ name: 'Unsaved wrong' }), password: wrongPassword }));
    assert.equal(wrong.ok, false);
    assert.equal(wrong.steps.find((s) => !s.ok)?.code, ErrorCodes.bindRejected);

    const reader = await keep(backend.request(RealmSave, { realm: realm({ name: 'Reader' }) }));
    // The root DN reads every attribute, userPassword included: it must still never be kept.
    const root = await keep(backend.request(RealmSave, { realm: realm({ name: 'Root', bindDn: slapd.adminDn }) }));
    const broken = await keep(backend.request(RealmSave, { realm: realm({ name: 'Wrong password', bindDn: `cn=nobody,${slapd.baseDn}` }) }));
    await keep(backend.request(RealmTest, { realmId: reader.id }));
    await keep(backend.request(RealmTest, { realmId: broken.id }));
    await expectRpcError(backend.request(RealmSearch, { realmId: broken.id, query: '*' }), ErrorCodes.bindRejected, passwords, 'wrong password search');
    await expectRpcError(backend.request(RealmResync, { realmId: broken.id }), ErrorCodes.bindRejected, passwords, 'wrong password resync');

    const withPasswords = slapd.users.filter((u) => u.userPassword !== undefined);
    assert.ok(withPasswords.length >= 5, 'the directory holds users with passwords');
    for (const r of [reader, root]) {
      await keep(backend.request(RealmSearch, { realmId: r.id, query: '*', limit: 1000 }));
      // Import into each realm under its own names is a conflict for the second; import different halves.
      const refs = (r.id === reader.id ? slapd.users.slice(0, 20) : slapd.users.slice(20)).map((u) => ({ username: u.uid }));
      await keep(backend.request(UserImport, { realmId: r.id, entries: refs }));
      await keep(backend.request(RealmResync, { realmId: r.id }));
    }
    const all = await keep(backend.request(UserList, { limit: 1000 }));
    assert.ok(all.total >= slapd.users.length - 1);
    for (const user of all.users) {
      const detail = await keep(backend.request(UserGet, { userId: user.id }));
      assert.ok(!Object.keys(detail.rawAttributes).some((k) => k.toLowerCase() === 'userpassword'), `${user.username}: no userPassword attribute kept`);
      if (user.realmId) await keep(backend.request(UserResyncCandidates, { userId: user.id, realmId: user.realmId }));
    }
    await keep(backend.request(AuditList, { limit: 1000 }));
    await keep(backend.request(RealmDelete, { realmId: root.id, users: 'convertToInternal' }));
    await keep(backend.request(RealmList, {}));

    const artifacts = await backendArtifacts(backend);
    artifacts.push({ name: 'responses', bytes: Buffer.from(responses.join('\n'), 'utf8') });
    assertNoPasswords(artifacts, passwords);
    // The sweep would see them: the seeded passwords really are in the directory.
    assert.ok(withPasswords.some((u) => u.userPassword === AWKWARD_PASSWORD));
  });
});
