// user/resync and realm/resync against a real slapd: renames and moves update the same rows,
// deletions are soft (missingSince, rows and roles kept), reappearing users are cleared, the
// missing-users guard stops a mass "deletion" with 1302 and a byte-identical file, dry runs
// report what the real run does, and LDAP-disabled accounts are flagged, never deleted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../protocol/errors';
import { AuditList, RealmResync, UserGet, UserImport, UserResync, UserResyncCandidates } from '../../protocol/rpc';
import { seedUser } from '../../scripts/directory/seedUsers';
import {
  deleteLdif,
  fileBytes,
  modifyLdif,
  queryFile,
  rejectsWithCode,
  startDirectoryFixture,
  stopDirectoryFixture,
  type DirectoryFixture,
} from './importFixture';

const USERS = 150;

describe('resynchronize', () => {
  let fx: DirectoryFixture;
  const u = (i: number) => seedUser(i);
  const idOf = new Map<string, number>();
  const userRow = async (id: number) => (await queryFile(fx.backend.databasePath, 'SELECT * FROM users WHERE id = ?', [id]))[0];

  before(async () => {
    fx = await startDirectoryFixture({ users: USERS, ppolicy: true });
    const entries = Array.from({ length: USERS }, (_, i) => ({ username: u(i + 1).uid }));
    const report = await fx.backend.request(UserImport, { realmId: fx.realm.id, entries, roles: [{ name: 'Viewer' }] });
    assert.equal(report.created, USERS);
    for (const row of await queryFile(fx.backend.databasePath, 'SELECT id, username FROM users')) idOf.set(String(row.username), Number(row.id));
  });
  after(() => stopDirectoryFixture(fx));

  test('ldapmodrdn (new uid) and a move to another OU update the same user ids, nothing duplicated', async () => {
    const { backend, realm, slapd } = fx;
    const renamedId = idOf.get(u(1).uid)!;
    const movedId = idOf.get(u(2).uid)!;
    await slapd.ldapModRdn(u(1).dn, 'uid=renamed.one', { deleteOldRdn: true });
    await slapd.ldapModRdn(u(2).dn, `uid=${u(2).uid}`, { newSuperior: `ou=Contractors,${slapd.peopleDn}` });

    const bytes = fileBytes(backend.databasePath);
    const preview = await backend.request(UserResync, { userId: renamedId, realmId: realm.id, dryRun: true });
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'dry run writes nothing');
    assert.deepEqual(preview.changes.map((c) => c.field), ['username', 'ldapDn']);
    assert.equal(preview.user.username, u(1).uid, 'a dry run returns the user as it still is');

    const resynced = await backend.request(UserResync, { userId: renamedId, realmId: realm.id });
    assert.deepEqual(resynced.changes, preview.changes);
    assert.equal(resynced.user.id, renamedId);
    assert.equal(resynced.user.username, 'renamed.one');

    const report = await backend.request(RealmResync, { realmId: realm.id });
    assert.equal(report.updated, 1, JSON.stringify(report.changes));
    assert.deepEqual(report.changes[0], {
      userId: movedId,
      username: u(2).uid,
      fields: [{ field: 'ldapDn', before: u(2).dn, after: `uid=${u(2).uid},ou=Contractors,${slapd.peopleDn}` }],
    });
    const rows = await queryFile(backend.databasePath, 'SELECT count(*) AS n FROM users');
    assert.equal(rows[0].n, USERS);
    assert.equal((await userRow(movedId)).ldap_dn, `uid=${u(2).uid},ou=Contractors,${slapd.peopleDn}`);
    assert.equal((await userRow(renamedId)).username, 'renamed.one');
  });

  test('nothing changed → realm/resync writes nothing and the file stays byte-identical', async () => {
    const bytes = fileBytes(fx.backend.databasePath);
    const report = await fx.backend.request(RealmResync, { realmId: fx.realm.id });
    assert.deepEqual([report.updated, report.unchanged, report.missing], [0, USERS, 0]);
    assert.ok(fileBytes(fx.backend.databasePath).equals(bytes));
  });

  test('2 users deleted in LDAP → marked missing (dry run first), rows and roles kept', async () => {
    const { backend, realm, slapd } = fx;
    await slapd.ldapModify(deleteLdif([u(3).dn, u(4).dn]));
    const bytes = fileBytes(backend.databasePath);
    const preview = await backend.request(RealmResync, { realmId: realm.id, dryRun: true });
    assert.ok(fileBytes(backend.databasePath).equals(bytes));
    // The admin's own share (ldapUsers.sync.missingThreshold) replaces the built-in rule: at 0 %
    // even 2 missing users stop the resync; a share outside 0–1 is refused by name.
    const strict = await rejectsWithCode(backend.request(RealmResync, { realmId: realm.id, missingThreshold: 0 }), ErrorCodes.syncGuardTripped);
    assert.deepEqual([strict.data?.missing, strict.data?.total], [2, USERS]);
    const bad = await rejectsWithCode(backend.request(RealmResync, { realmId: realm.id, missingThreshold: 1.5 }), ErrorCodes.invalidInput);
    assert.equal(bad.data?.field, 'missingThreshold');
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'refused resyncs write nothing');
    const report = await backend.request(RealmResync, { realmId: realm.id, missingThreshold: 0.05 });
    assert.deepEqual(report.changes.map((c) => c.username).sort(), preview.changes.map((c) => c.username).sort());
    assert.deepEqual([report.missing, report.updated], [2, 2]);
    assert.deepEqual([preview.missing, preview.updated], [2, 2]);
    for (const i of [3, 4]) {
      const row = await userRow(idOf.get(u(i).uid)!);
      assert.ok(row.missing_since, 'missingSince is set');
      const roles = await queryFile(backend.databasePath, 'SELECT r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id WHERE a.user_id = ?', [row.id]);
      assert.deepEqual(roles.map((r) => r.name), ['Viewer']);
    }
    const audit = await backend.request(AuditList, { userId: idOf.get(u(3).uid)! , limit: 1 });
    assert.equal(audit[0].action, 'user.missing');
    assert.equal(audit[0].changes[0].field, 'missingSince');
    // Still missing on the next resync, without another write.
    const again = fileBytes(backend.databasePath);
    const second = await backend.request(RealmResync, { realmId: realm.id });
    assert.deepEqual([second.missing, second.updated], [2, 0]);
    assert.ok(fileBytes(backend.databasePath).equals(again));
  });

  test('a user moved out of the base DN and back is marked missing, then cleared', async () => {
    const { backend, realm, slapd } = fx;
    const id = idOf.get(u(5).uid)!;
    const outside = `uid=${u(5).uid},ou=System,${slapd.baseDn}`;
    await slapd.ldapModRdn(u(5).dn, `uid=${u(5).uid}`, { newSuperior: `ou=System,${slapd.baseDn}` });
    await backend.request(RealmResync, { realmId: realm.id });
    assert.ok((await userRow(id)).missing_since);
    await slapd.ldapModRdn(outside, `uid=${u(5).uid}`, { newSuperior: `ou=${u(5).ou},${slapd.peopleDn}` });
    const report = await backend.request(RealmResync, { realmId: realm.id });
    assert.equal((await userRow(id)).missing_since, null);
    assert.ok(report.changes.some((c) => c.userId === id && c.fields.some((f) => f.field === 'missingSince' && f.after === null)));
  });

  test('an LDAP-disabled account is flagged on resync, not deleted; candidates list the UUID match first', async () => {
    const { backend, realm, slapd } = fx;
    const id = idOf.get(u(6).uid)!;
    await slapd.ldapModify(modifyLdif(u(6).dn, { pwdAccountLockedTime: '000001010000Z' }));
    const candidates = await backend.request(UserResyncCandidates, { userId: id, realmId: realm.id });
    assert.equal(candidates[0].uuid, (await userRow(id)).ldap_uuid);
    assert.equal(candidates[0].disabled, true);
    assert.equal(candidates[0].status, 'changed');
    const result = await backend.request(UserResync, { userId: id, realmId: realm.id });
    assert.deepEqual(result.changes, [{ field: 'ldapDisabled', before: false, after: true }]);
    assert.equal(result.user.ldapDisabled, true);
    const detail = await backend.request(UserGet, { userId: id });
    assert.equal(detail.user.loginEnabled, true, 'the registry login flag is the admin’s, not LDAP’s');
    assert.equal(detail.audit[0].action, 'user.resync');
  });

  test('60 % deleted → 1302 with the counts and a byte-identical file; confirmMissing applies', async () => {
    const { backend, realm, slapd } = fx;
    const doomed = Array.from({ length: 90 }, (_, i) => u(i + 10).dn);
    await slapd.ldapModify(deleteLdif(doomed));
    const bytes = fileBytes(backend.databasePath);
    const error = await rejectsWithCode(backend.request(RealmResync, { realmId: realm.id }), ErrorCodes.syncGuardTripped);
    assert.deepEqual([error.data?.missing, error.data?.total], [90, USERS]);
    assert.match(error.message, /90 of its 150 users/);
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'guard tripped: file byte-identical');
    await rejectsWithCode(backend.request(RealmResync, { realmId: realm.id, dryRun: true }), ErrorCodes.syncGuardTripped);
    assert.ok(fileBytes(backend.databasePath).equals(bytes));

    const report = await backend.request(RealmResync, { realmId: realm.id, confirmMissing: true });
    assert.equal(report.missing, 92);
    const rows = await queryFile(backend.databasePath, 'SELECT count(*) AS n FROM users WHERE missing_since IS NOT NULL');
    assert.equal(rows[0].n, 92);
    const total = await queryFile(backend.databasePath, 'SELECT count(*) AS n FROM users');
    assert.equal(total[0].n, USERS, 'missing users are kept');
  });
});
