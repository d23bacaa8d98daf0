// User lifecycle against a real slapd: convert external → internal (roles kept, link dropped)
// and internal → external (linked, information replaced from LDAP), login on/off, role copy
// merge vs replace, create/update internal users, delete (audit kept), realm/delete with
// conversion. Each is checked in the database file and in audit/list with before/after.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../protocol/errors';
import {
  AuditList,
  RealmDelete,
  RealmSave,
  RoleCopy,
  StoreDidChange,
  UserConvert,
  UserCreateInternal,
  UserDelete,
  UserGet,
  UserImport,
  UserList,
  UserResync,
  UserSetLoginEnabled,
  UserUpdate,
} from '../../protocol/rpc';
import { seedUser } from '../../scripts/directory/seedUsers';
import { queryFile, rejectsWithCode, startDirectoryFixture, stopDirectoryFixture, type DirectoryFixture } from './importFixture';

describe('user lifecycle', () => {
  let fx: DirectoryFixture;
  const u = (i: number) => seedUser(i);
  const ids = new Map<number, number>();
  const row = async (id: number) => (await queryFile(fx.backend.databasePath, 'SELECT * FROM users WHERE id = ?', [id]))[0];
  const rolesOf = async (id: number) =>
    (
      await queryFile(
        fx.backend.databasePath,
        `SELECT r.name || CASE WHEN a.scope <> '' THEN '@' || a.scope ELSE '' END AS role FROM role_assignments a JOIN roles r ON r.id = a.role_id WHERE a.user_id = ? ORDER BY r.id, a.scope`,
        [id],
      )
    ).map((r) => r.role);

  before(async () => {
    fx = await startDirectoryFixture({ users: 20 }, {}, 'Alice Admin (lifecycle)');
    const report = await fx.backend.request(UserImport, {
      realmId: fx.realm.id,
      entries: [1, 2, 3, 4, 5].map((i) => ({ username: u(i).uid })),
      roles: [{ name: 'Viewer' }, { name: 'Project Contributor', scope: 'alpha' }],
    });
    assert.equal(report.created, 5);
    for (const r of await queryFile(fx.backend.databasePath, 'SELECT id, username FROM users')) {
      const i = [1, 2, 3, 4, 5].find((n) => u(n).uid === r.username)!;
      ids.set(i, Number(r.id));
    }
  });
  after(() => stopDirectoryFixture(fx));

  test('convert external → internal keeps roles and fields, drops the LDAP link; audited', async () => {
    const id = ids.get(1)!;
    const before = await row(id);
    const user = await fx.backend.request(UserConvert, { userId: id, to: 'internal' });
    assert.equal(user.category, 'internal');
    assert.equal(user.realmId, undefined);
    assert.equal(user.ldapUuid, undefined);
    const after = await row(id);
    assert.deepEqual([after.category, after.realm_id, after.ldap_uuid, after.ldap_dn], ['internal', null, null, null]);
    assert.deepEqual([after.username, after.email, after.display_name], [before.username, before.email, before.display_name]);
    assert.deepEqual(await rolesOf(id), ['Project Contributor@alpha', 'Viewer']);
    const [entry] = await fx.backend.request(AuditList, { userId: id, limit: 1 });
    assert.equal(entry.action, 'user.convert');
    assert.equal(entry.actor, 'Alice Admin (lifecycle)');
    assert.deepEqual(entry.changes.find((c) => c.field === 'category'), { field: 'category', before: 'external', after: 'internal' });
    assert.deepEqual(entry.changes.find((c) => c.field === 'ldapUuid'), { field: 'ldapUuid', before: before.ldap_uuid, after: null });
  });

  test('convert internal → external links to the chosen entry and replaces the information from LDAP', async () => {
    const id = ids.get(1)!;
    await fx.backend.request(UserUpdate, { userId: id, fields: { email: 'local@example.test', title: 'Local title' } });
    // Linked by username (no uuid/dn given): the entry it came from.
    const user = await fx.backend.request(UserConvert, { userId: id, to: 'external', realmId: fx.realm.id });
    assert.equal(user.category, 'external');
    assert.equal(user.realmId, fx.realm.id);
    assert.equal(user.email, u(1).mail);
    const after = await row(id);
    assert.equal(after.ldap_dn, u(1).dn);
    assert.match(String(after.ldap_uuid), /^[0-9a-f-]{36}$/);
    assert.equal(after.title, u(1).title);
    const [entry] = await fx.backend.request(AuditList, { userId: id, limit: 1 });
    assert.equal(entry.action, 'user.convert');
    assert.deepEqual(entry.changes.find((c) => c.field === 'email'), { field: 'email', before: 'local@example.test', after: u(1).mail });
    assert.deepEqual(entry.changes.find((c) => c.field === 'category'), { field: 'category', before: 'internal', after: 'external' });
  });

  test('an internal user converted to an entry already linked to another user is refused (1301)', async () => {
    const internal = await fx.backend.request(UserCreateInternal, { username: 'someone.else', displayName: 'Someone Else' });
    const err = await rejectsWithCode(
      fx.backend.request(UserConvert, { userId: internal.id, to: 'external', realmId: fx.realm.id, dn: u(2).dn }),
      ErrorCodes.conflict,
    );
    assert.match(err.message, /already linked/);
    assert.equal((await row(internal.id)).category, 'internal');
  });

  test('login disable/enable is stored and audited; unchanged users are not rewritten', async () => {
    const targets = [ids.get(2)!, ids.get(3)!];
    const changesBefore = fx.backend.notifications(StoreDidChange).length;
    const users = await fx.backend.request(UserSetLoginEnabled, { userIds: targets, enabled: false });
    assert.deepEqual(users.map((x) => x.loginEnabled), [false, false]);
    assert.deepEqual((await Promise.all(targets.map(row))).map((r) => r.login_enabled), [0, 0]);
    assert.equal(fx.backend.notifications(StoreDidChange).length, changesBefore + 1);
    const [entry] = await fx.backend.request(AuditList, { userId: targets[0], limit: 1 });
    assert.deepEqual([entry.action, entry.changes], ['user.loginEnabled', [{ field: 'loginEnabled', before: true, after: false }]]);
    await fx.backend.request(UserSetLoginEnabled, { userIds: [targets[0]], enabled: true });
    assert.equal((await row(targets[0])).login_enabled, 1);
    const audit = await fx.backend.request(AuditList, { userId: targets[1] });
    await fx.backend.request(UserSetLoginEnabled, { userIds: [targets[1]], enabled: false });
    assert.equal((await fx.backend.request(AuditList, { userId: targets[1] })).length, audit.length, 'no audit row when nothing changed');
  });

  test('role copy: merge keeps the target roles, replace takes the source roles only', async () => {
    const { backend } = fx;
    const source = await backend.request(UserCreateInternal, {
      username: 'role.source',
      displayName: 'Role Source',
      roles: [{ name: 'User Manager' }, { name: 'Viewer', scope: 'beta' }],
    });
    const merged = ids.get(4)!;
    const replaced = ids.get(5)!;
    assert.deepEqual(await backend.request(RoleCopy, { fromUserId: source.id, toUserIds: [merged], mode: 'merge' }), { updated: 1 });
    assert.deepEqual(await rolesOf(merged), ['User Manager', 'Project Contributor@alpha', 'Viewer', 'Viewer@beta']);
    assert.deepEqual(await backend.request(RoleCopy, { fromUserId: source.id, toUserIds: [replaced], mode: 'replace' }), { updated: 1 });
    assert.deepEqual(await rolesOf(replaced), ['User Manager', 'Viewer@beta']);
    const [entry] = await backend.request(AuditList, { userId: replaced, limit: 1 });
    assert.equal(entry.action, 'user.roles');
    assert.deepEqual(entry.changes, [
      { field: 'roles', before: 'Project Contributor @ alpha, Viewer', after: 'User Manager, Viewer @ beta' },
    ]);
    // Copying again changes nothing.
    assert.deepEqual(await backend.request(RoleCopy, { fromUserId: source.id, toUserIds: [replaced], mode: 'replace' }), { updated: 0 });
  });

  test('internal users are created and edited; external users cannot be edited (1002)', async () => {
    const { backend } = fx;
    const created = await backend.request(UserCreateInternal, { username: 'Carla.Local', displayName: 'Carla Local', email: 'carla@example.test' });
    assert.equal(created.category, 'internal');
    await rejectsWithCode(backend.request(UserCreateInternal, { username: 'carla.local', displayName: 'Dup' }), ErrorCodes.conflict);
    const updated = await backend.request(UserUpdate, { userId: created.id, fields: { department: 'Ops', email: '' } });
    assert.equal(updated.department, 'Ops');
    assert.equal(updated.email, undefined);
    const [entry] = await backend.request(AuditList, { userId: created.id, limit: 1 });
    assert.deepEqual(entry.changes, [
      { field: 'email', before: 'carla@example.test', after: null },
      { field: 'department', before: null, after: 'Ops' },
    ]);
    const err = await rejectsWithCode(backend.request(UserUpdate, { userId: ids.get(2)!, fields: { title: 'x' } }), ErrorCodes.invalidInput);
    assert.match(err.message, /external user/);
    const listed = await backend.request(UserList, { category: 'internal', sort: { field: 'username', direction: 'desc' } });
    assert.deepEqual(listed.users.map((x) => x.username), ['someone.else', 'role.source', 'Carla.Local']);
  });

  test('delete removes the user and its roles; its audit trail stays', async () => {
    const { backend } = fx;
    const id = ids.get(3)!;
    assert.deepEqual(await backend.request(UserDelete, { userIds: [id] }), { deleted: 1 });
    assert.equal(await row(id), undefined);
    assert.deepEqual(await rolesOf(id), []);
    const audit = await backend.request(AuditList, { userId: id });
    assert.equal(audit[0].action, 'user.delete');
    assert.deepEqual(audit[0].changes[0], { field: 'username', before: u(3).uid, after: null });
    assert.ok(audit[0].changes.some((c) => c.field === 'roles' && String(c.before).includes('Viewer')));
    assert.ok(audit.some((a) => a.action === 'user.import'), 'earlier entries are kept');
    await rejectsWithCode(backend.request(UserGet, { userId: id }), ErrorCodes.invalidInput);
  });

  test('audit/list by realm is newest first and honours the limit', async () => {
    const audit = await fx.backend.request(AuditList, { realmId: fx.realm.id, limit: 3 });
    assert.equal(audit.length, 3);
    assert.ok(audit[0].id > audit[1].id && audit[1].id > audit[2].id);
    assert.ok(audit.every((a) => a.realmId === fx.realm.id));
  });

  test('realm/delete with convertToInternal turns the realm users into internal users, roles kept', async () => {
    const { backend } = fx;
    const other = await backend.request(RealmSave, {
      realm: { name: 'Second', kind: 'openldap', url: fx.slapd.ldapsUrl, caCertPath: fx.slapd.caCertPath, bindDn: fx.slapd.readerDn, baseDn: fx.slapd.peopleDn },
    });
    const report = await backend.request(UserImport, { realmId: other.id, entries: [{ username: u(10).uid }], roles: [{ name: 'Viewer' }] });
    assert.equal(report.created, 1);
    const id = Number((await queryFile(backend.databasePath, 'SELECT id FROM users WHERE username = ?', [u(10).uid]))[0].id);
    assert.deepEqual(await backend.request(RealmDelete, { realmId: other.id, users: 'convertToInternal' }), { affectedUsers: 1 });
    const r = await row(id);
    assert.deepEqual([r.category, r.realm_id], ['internal', null]);
    assert.deepEqual(await rolesOf(id), ['Viewer']);
  });

  test('realm/delete with keep leaves external users without a realm; a resync relinks them by UUID', async () => {
    const { backend } = fx;
    const other = await backend.request(RealmSave, {
      realm: { name: 'Third', kind: 'openldap', url: fx.slapd.ldapsUrl, caCertPath: fx.slapd.caCertPath, bindDn: fx.slapd.readerDn, baseDn: fx.slapd.peopleDn },
    });
    await backend.request(UserImport, { realmId: other.id, entries: [{ username: u(11).uid }], roles: [{ name: 'Viewer' }] });
    const before = (await queryFile(backend.databasePath, 'SELECT * FROM users WHERE username = ?', [u(11).uid]))[0];
    assert.deepEqual(await backend.request(RealmDelete, { realmId: other.id, users: 'keep' }), { affectedUsers: 1 });
    const kept = await row(Number(before.id));
    assert.deepEqual([kept.category, kept.realm_id, kept.ldap_uuid], ['external', null, before.ldap_uuid]);
    assert.deepEqual(await rolesOf(Number(before.id)), ['Viewer']);
    const result = await backend.request(UserResync, { userId: Number(before.id), realmId: fx.realm.id });
    assert.deepEqual(result.changes, [{ field: 'realmId', before: null, after: String(fx.realm.id) }]);
    assert.equal((await row(Number(before.id))).realm_id, fx.realm.id);
  });
});
