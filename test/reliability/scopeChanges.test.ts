// Fault: what looks like "everyone left the directory" but is not — the classic mass-deletion
// trap (Keycloak #24669). A realm with 300 imported users is resynchronized after its base DN was
// edited to one that does not exist, to one outside the server's suffix, to an empty OU, after its
// user filter was changed to match nobody or a sixth of the users.
// Expected: each resync applies nothing — an error (the directory's "no such object", or the
// missing-users guard 1302 saying how many would go missing and that nothing was changed) — the
// registry file is byte-identical and no user is marked missing; a dry run reports without
// writing; only an explicit confirmation marks users missing, and then only those really gone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import type { Realm, RealmInput } from '../../protocol/model';
import { RealmResync, RealmSave, UserImport, UserList } from '../../protocol/rpc';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';
import { tryFault } from '../support/reliabilityTally';
import { expectRpcError, fingerprint, slapdRealm } from './reliabilitySupport';

const category = 'resync scope changes';
const users = 300;
let slapd: SlapdHandle;
let backend: BackendHandle;
let realm: Realm;
let base: RealmInput;

before(async () => {
  slapd = await startSlapd({ users, extraLdif: `dn: ou=Empty,dc=example,dc=test\nobjectClass: organizationalUnit\nou: Empty\n` });
  backend = await startBackend({ secrets: (p) => (p.bindDn === slapd.readerDn ? slapd.readerPassword : p.bindDn === slapd.adminDn ? slapd.adminPassword : null) });
  base = slapdRealm(slapd, { name: 'Scope', pageSize: 200, timeoutMs: 10_000 });
  realm = await backend.request(RealmSave, { realm: base });
  const report = await backend.request(UserImport, { realmId: realm.id, entries: slapd.users.slice(0, users).map((u) => ({ username: u.uid })) });
  assert.equal(report.created, users);
});

after(async () => {
  await backend?.stop();
  await slapd?.stop();
});

async function missingCount(): Promise<number> {
  const listed = await backend.request(UserList, { realmId: realm.id, limit: 100_000 });
  return listed.users.filter((u) => u.missingSince).length;
}

/** Saves the realm with `change`, resyncs, and checks nothing was applied. Restores the realm after. */
async function resyncRefused(change: Partial<RealmInput>, codes: number[], what: string): Promise<void> {
  await backend.request(RealmSave, { realm: { ...base, ...change, id: realm.id } });
  try {
    const before = fingerprint(backend.databasePath);
    const dry: { missing: number } | Error = await backend.request(RealmResync, { realmId: realm.id, dryRun: true }).catch((e: Error) => e);
    if (!(dry instanceof Error)) assert.ok(dry.missing >= 0, `${what}: a dry run only reports`);
    assert.equal(fingerprint(backend.databasePath), before, `${what}: the dry run wrote nothing`);
    const error = await expectRpcError(backend.request(RealmResync, { realmId: realm.id }), codes, [slapd.readerPassword], what);
    if (error.code === ErrorCodes.invalidInput) assert.match(error.message, /base DN/, what);
    if (error.code === ErrorCodes.syncGuardTripped) {
      assert.match(error.message, /would mark \d+ of its \d+ users as missing/, what);
      assert.match(error.message, /Nothing was changed/, what);
    }
    assert.equal(fingerprint(backend.databasePath), before, `${what}: the registry file is byte-identical`);
    assert.equal(await missingCount(), 0, `${what}: nobody marked missing`);
  } finally {
    await backend.request(RealmSave, { realm: { ...base, id: realm.id } });
  }
}

describe('a resync that would "lose" most users applies nothing', { timeout: 90_000 }, () => {
  test('base DN that does not exist, outside the suffix, or an empty OU', async () => {
    await tryFault(category, 'base DN that does not exist', () => resyncRefused({ baseDn: `ou=Gone,${slapd.baseDn}` }, [ErrorCodes.invalidInput], 'missing base DN'));
    await tryFault(category, 'base DN outside the server suffix', () => resyncRefused({ baseDn: 'dc=other,dc=org' }, [ErrorCodes.invalidInput], 'foreign base DN'));
    await tryFault(category, 'base DN of an empty OU', () => resyncRefused({ baseDn: `ou=Empty,${slapd.baseDn}` }, [ErrorCodes.syncGuardTripped], 'empty OU'));
  });

  test('user filter changed to match nobody, or only a sixth of the users', async () => {
    await tryFault(category, 'user filter matching nobody', () => resyncRefused({ userFilter: '(&(objectClass=inetOrgPerson)(uid=nobody-at-all))' }, [ErrorCodes.syncGuardTripped], 'filter matching nobody'));
    await tryFault(category, 'user filter matching a sixth', () => resyncRefused({ userFilter: '(&(objectClass=inetOrgPerson)(departmentNumber=Sales))' }, [ErrorCodes.syncGuardTripped], 'filter matching a sixth'));
  });

  test('confirmed: only the users really gone are marked missing', async () => {
    await tryFault(category, 'confirmed resync after real deletions', async () => {
      const gone = slapd.users.slice(0, 5);
      for (const u of gone) await slapd.ldapDelete(u.dn);
      const report = await backend.request(RealmResync, { realmId: realm.id });
      assert.equal(report.missing, 5, 'a few real deletions pass the guard');
      const listed = await backend.request(UserList, { realmId: realm.id, limit: 100_000 });
      const missing = listed.users.filter((u) => u.missingSince).map((u) => u.username).sort();
      assert.deepEqual(missing, gone.map((u) => u.uid).sort());
      // Soft: the users are still there, marked, not deleted.
      assert.equal(listed.total, users);
    });
  });
});
