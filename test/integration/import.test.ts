// user/import against a real slapd: new entries become external users with the given (or the
// realm's default) roles; re-import updates information and keeps roles; usernames held by
// internal users conflict; entries without an identity fail; dry runs change nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../protocol/errors';
import {
  AuditList,
  RealmSave,
  RealmSearch,
  RoleList,
  StoreDidChange,
  UserCreateInternal,
  UserGet,
  UserImport,
  UserList,
} from '../../protocol/rpc';
import type { Role } from '../../protocol/model';
import { seedUser } from '../../scripts/directory/seedUsers';
import { fileBytes, modifyLdif, queryFile, rejectsWithCode, startDirectoryFixture, stopDirectoryFixture, type DirectoryFixture } from './importFixture';

describe('user/import', () => {
  let fx: DirectoryFixture;
  let roles: Role[];
  const roleId = (name: string) => roles.find((r) => r.name === name)!.id;
  const u = (i: number) => seedUser(i);

  before(async () => {
    fx = await startDirectoryFixture({ users: 40 });
    roles = await fx.backend.request(RoleList, {});
  });
  after(() => stopDirectoryFixture(fx));

  test('3 new users with 2 roles → 3 external users with those roles; ldapmodify + re-import → updated: 3, roles identical', async () => {
    const { backend, realm } = fx;
    const entries = [1, 2, 3].map((i) => ({ username: u(i).uid }));
    const given = [{ roleId: roleId('Viewer') }, { name: 'Project Contributor', scope: 'projectA' }];
    const first = await backend.request(UserImport, { realmId: realm.id, entries, roles: given });
    assert.deepEqual(
      { created: first.created, updated: first.updated, unchanged: first.unchanged, conflicts: first.conflicts, failed: first.failed },
      { created: 3, updated: 0, unchanged: 0, conflicts: 0, failed: [] },
    );
    const rows = await queryFile(
      backend.databasePath,
      `SELECT id, username, category, realm_id, ldap_uuid, ldap_dn, email, department FROM users WHERE username IN (?, ?, ?) ORDER BY username`,
      entries.map((e) => e.username),
    );
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.category, 'external');
      assert.equal(row.realm_id, realm.id);
      assert.match(String(row.ldap_uuid), /^[0-9a-f-]{36}$/);
      const seed = fx.slapd.userByUid(String(row.username))!;
      assert.equal(row.email, seed.mail);
      assert.equal(row.department, seed.departmentNumber);
      assert.equal(row.ldap_dn, seed.dn);
    }
    const assignmentsBefore = await queryFile(
      backend.databasePath,
      'SELECT a.user_id, r.name, a.scope FROM role_assignments a JOIN roles r ON r.id = a.role_id ORDER BY a.user_id, r.name',
    );
    assert.deepEqual(
      assignmentsBefore.map((a) => `${a.name}@${a.scope}`),
      ['Project Contributor@projectA', 'Viewer@', 'Project Contributor@projectA', 'Viewer@', 'Project Contributor@projectA', 'Viewer@'],
    );

    for (const i of [1, 2, 3]) {
      await fx.slapd.ldapModify(modifyLdif(u(i).dn, { mail: `changed${i}@example.test`, departmentNumber: 'Research' }));
    }
    // Different roles on the second import must not touch the existing assignments.
    const second = await backend.request(UserImport, { realmId: realm.id, entries, roles: [{ roleId: roleId('Administrator') }] });
    assert.equal(second.updated, 3);
    assert.equal(second.created, 0);
    assert.deepEqual(
      second.changes.map((c) => c.fields.map((f) => `${f.field}:${f.before}→${f.after}`)).sort(),
      [1, 2, 3].map((i) => [`email:${u(i).mail}→changed${i}@example.test`, `department:${u(i).departmentNumber}→Research`]).sort(),
    );
    const after = await queryFile(backend.databasePath, 'SELECT username, email, department FROM users ORDER BY username');
    assert.deepEqual(after.map((r) => r.department), ['Research', 'Research', 'Research']);
    const assignmentsAfter = await queryFile(
      backend.databasePath,
      'SELECT a.user_id, r.name, a.scope FROM role_assignments a JOIN roles r ON r.id = a.role_id ORDER BY a.user_id, r.name',
    );
    assert.deepEqual(assignmentsAfter, assignmentsBefore);

    // Importing the same selection again: nothing to do, nothing written.
    const bytes = fileBytes(backend.databasePath);
    const third = await backend.request(UserImport, { realmId: realm.id, entries });
    assert.deepEqual([third.created, third.updated, third.unchanged], [0, 0, 3]);
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'an idempotent re-import leaves the file byte-identical');

    const audit = await backend.request(AuditList, { userId: Number(rows[0].id) });
    assert.deepEqual(audit.map((a) => a.action), ['user.import', 'user.import']);
    assert.equal(audit[0].actor, 'import-tests');
    assert.ok(audit[0].changes.some((c) => c.field === 'email' && c.after === `changed1@example.test`));
    assert.ok(audit[1].changes.some((c) => c.field === 'roles' && String(c.after).includes('Viewer')));
  });

  test('realm/search * shows imported, changed and conflict statuses', async () => {
    const { backend, realm } = fx;
    await backend.request(UserImport, { realmId: realm.id, entries: [4, 5].map((i) => ({ username: u(i).uid })) });
    await fx.slapd.ldapModify(modifyLdif(u(5).dn, { title: 'Chief Tester' }));
    await backend.request(UserCreateInternal, { username: u(6).uid, displayName: 'Internal namesake' });
    const result = await backend.request(RealmSearch, { realmId: realm.id, query: '*' });
    const status = (uid: string) => result.entries.find((e) => e.username === uid)?.status;
    assert.equal(status(u(4).uid), 'imported');
    assert.equal(status(u(5).uid), 'changed');
    assert.equal(status(u(6).uid), 'conflict');
    assert.equal(status(u(7).uid), 'new');
    assert.match(result.entries.find((e) => e.username === u(6).uid)!.conflict!, /internal user/);
  });

  test('a username held by an internal user is a conflict and nothing is overwritten', async () => {
    const { backend, realm } = fx;
    const before = await queryFile(backend.databasePath, 'SELECT * FROM users WHERE username = ?', [u(6).uid]);
    const report = await backend.request(UserImport, { realmId: realm.id, entries: [{ username: u(6).uid }, { username: u(8).uid }] });
    assert.equal(report.conflicts, 1);
    assert.equal(report.created, 1);
    assert.match(report.conflictDetails![0].reason, /internal user/);
    const after = await queryFile(backend.databasePath, 'SELECT * FROM users WHERE username = ?', [u(6).uid]);
    assert.deepEqual(after, before);
  });

  test('dryRun returns the report the real run then produces, and leaves the file byte-identical', async () => {
    const { backend, realm } = fx;
    await fx.slapd.ldapModify(modifyLdif(u(4).dn, { telephoneNumber: '+49 30 1234567' }));
    const entries = [4, 9, 10, 6].map((i) => ({ username: u(i).uid }));
    const bytes = fileBytes(backend.databasePath);
    const changesBefore = backend.notifications(StoreDidChange).length;
    const preview = await backend.request(UserImport, { realmId: realm.id, entries, dryRun: true });
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'a dry run writes nothing');
    assert.equal(backend.notifications(StoreDidChange).length, changesBefore, 'a dry run announces no change');
    const real = await backend.request(UserImport, { realmId: realm.id, entries });
    assert.deepEqual(real, preview);
    assert.deepEqual([real.created, real.updated, real.conflicts], [2, 1, 1], JSON.stringify(real));
  });

  test('store/didChange follows each committed import', async () => {
    const { backend, realm } = fx;
    const before = backend.notifications(StoreDidChange).length;
    await backend.request(UserImport, { realmId: realm.id, entries: [{ username: u(11).uid }] });
    const changes = backend.notifications(StoreDidChange).slice(before);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0].realmIds, [realm.id]);
    assert.equal(changes[0].userIds!.length, 1);
  });

  test('the realm default roles apply when the request names none; by uuid and dn refs too', async () => {
    const { backend, realm } = fx;
    const saved = await backend.request(RealmSave, {
      realm: {
        id: realm.id,
        name: realm.name,
        kind: realm.kind,
        url: realm.url,
        caCertPath: realm.caCertPath,
        bindDn: realm.bindDn,
        baseDn: realm.baseDn,
        timeoutMs: realm.timeoutMs,
        defaultRoles: [{ name: 'User Manager' }],
      },
    });
    assert.deepEqual(saved.defaultRoles.length, 1);
    const search = await backend.request(RealmSearch, { realmId: realm.id, query: u(12).uid, mode: 'username' });
    const report = await backend.request(UserImport, { realmId: realm.id, entries: [{ uuid: search.entries[0].uuid }, { dn: u(13).dn }] });
    assert.equal(report.created, 2);
    const rows = await queryFile(
      backend.databasePath,
      'SELECT u.username, r.name FROM users u JOIN role_assignments a ON a.user_id = u.id JOIN roles r ON r.id = a.role_id WHERE u.username IN (?, ?) ORDER BY u.username',
      [u(12).uid, u(13).uid],
    );
    assert.deepEqual(rows.map((r) => r.name), ['User Manager', 'User Manager']);
    const listed = await backend.request(UserList, { realmId: realm.id, text: u(12).uid });
    assert.equal(listed.total, 1);
    const detail = await backend.request(UserGet, { userId: listed.users[0].id });
    assert.equal(detail.roles[0].name, 'User Manager');
    assert.equal(detail.realm?.id, realm.id);
    assert.deepEqual(detail.rawAttributes.uid ?? detail.rawAttributes.UID, [u(12).uid]);
  });

  test('entries not found, and an unknown role, are reported clearly', async () => {
    const { backend, realm } = fx;
    const report = await backend.request(UserImport, { realmId: realm.id, entries: [{ username: 'nobody.here' }] });
    assert.equal(report.created, 0);
    assert.equal(report.failed.length, 1);
    assert.match(report.failed[0].reason, /nobody\.here/);
    const err = await rejectsWithCode(
      backend.request(UserImport, { realmId: realm.id, entries: [{ username: u(14).uid }], roles: [{ name: 'No Such Role' }] }),
      ErrorCodes.invalidInput,
    );
    assert.match(err.message, /No Such Role/);
    await rejectsWithCode(backend.request(UserImport, { realmId: 999, entries: [{ username: 'x' }] }), ErrorCodes.realmNotFound);
  });
});

describe('user/import with an identity attribute some entries lack', () => {
  let fx: DirectoryFixture | undefined;
  after(() => stopDirectoryFixture(fx));
  test('entries without the UUID attribute fail with the reason; the others are imported', async () => {
    // employeeNumber as identity: every regular seed user has one, the awkward users do not all.
    fx = await startDirectoryFixture({ users: 5, awkward: true }, { attributes: { uuid: 'employeeNumber' } });
    const search = await fx.backend.request(RealmSearch, { realmId: fx.realm.id, query: '*' });
    const lacking = fx.slapd.users.filter((s) => s.employeeNumber === undefined && s.uid);
    assert.ok(lacking.length > 0, 'the seed has users without employeeNumber');
    const entries = [...search.entries.filter((e) => e.uuid).map((e) => ({ uuid: e.uuid })), { dn: lacking[0].dn }];
    const report = await fx.backend.request(UserImport, { realmId: fx.realm.id, entries });
    assert.equal(report.failed.length, 1);
    assert.match(report.failed[0].reason, /employeeNumber/);
    assert.equal(report.created, entries.length - 1);
    const rows = await queryFile(fx.backend.databasePath, 'SELECT count(*) AS n FROM users WHERE ldap_uuid IS NULL');
    assert.equal(rows[0].n, 0);
  });
});
