// role/list, role/save, role/assign against the real backend (no directory needed): seeded
// roles, create/rename with unique names, add/remove/replace with scopes, audit rows, and
// refusals that name the field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../protocol/errors';
import { AuditList, RoleAssign, RoleList, RoleSave, StoreDidChange, UserCreateInternal, UserGet, UserList } from '../../protocol/rpc';
import { startBackend, type BackendHandle } from '../support/backendClient';
import { fileBytes, queryFile, rejectsWithCode } from './importFixture';

describe('roles', () => {
  let backend: BackendHandle;
  let users: number[];

  before(async () => {
    backend = await startBackend({ clientName: 'role-tests' });
    users = [];
    for (const name of ['ann', 'ben']) users.push((await backend.request(UserCreateInternal, { username: name, displayName: name.toUpperCase() })).id);
  });
  after(() => backend.stop());

  test('the four default roles are seeded', async () => {
    const roles = await backend.request(RoleList, {});
    assert.deepEqual(roles.map((r) => r.name), ['Administrator', 'User Manager', 'Project Contributor', 'Viewer']);
    assert.ok(roles.every((r) => r.description));
  });

  test('role/save creates and renames; names are unique regardless of case', async () => {
    const auditor = await backend.request(RoleSave, { role: { name: 'Auditor', description: 'Reads the audit trail' } });
    assert.equal(auditor.name, 'Auditor');
    const renamed = await backend.request(RoleSave, { role: { id: auditor.id, name: 'Compliance Auditor' } });
    assert.deepEqual(renamed, { id: auditor.id, name: 'Compliance Auditor' });
    await rejectsWithCode(backend.request(RoleSave, { role: { name: 'viewer' } }), ErrorCodes.conflict);
    const err = await rejectsWithCode(backend.request(RoleSave, { role: { name: '  ' } }), ErrorCodes.invalidInput);
    assert.equal(err.data?.field, 'role.name');
    const rows = await queryFile(backend.databasePath, `SELECT action, changes FROM audit WHERE action = 'role.save' ORDER BY id`);
    assert.equal(rows.length, 2);
    assert.match(String(rows[1].changes), /Compliance Auditor/);
  });

  test('role/assign add / remove / replace, with scopes, audited, announced', async () => {
    const changes = backend.notifications(StoreDidChange).length;
    assert.deepEqual(
      await backend.request(RoleAssign, { userIds: users, roles: [{ name: 'Viewer' }, { name: 'Project Contributor', scope: 'p1' }, { name: 'Project Contributor', scope: 'p2' }], mode: 'add' }),
      { updated: 2 },
    );
    assert.equal(backend.notifications(StoreDidChange).length, changes + 1);
    assert.deepEqual(await backend.request(RoleAssign, { userIds: users, roles: [{ name: 'Viewer' }], mode: 'add' }), { updated: 0 }, 'already there');
    await backend.request(RoleAssign, { userIds: [users[0]], roles: [{ name: 'Project Contributor', scope: 'p1' }], mode: 'remove' });
    let detail = await backend.request(UserGet, { userId: users[0] });
    assert.deepEqual(detail.roles.map((r) => `${r.name}${r.scope ? '@' + r.scope : ''}`), ['Project Contributor@p2', 'Viewer']);
    await backend.request(RoleAssign, { userIds: [users[1]], roles: [{ name: 'Project Contributor' }], mode: 'remove' });
    detail = await backend.request(UserGet, { userId: users[1] });
    assert.deepEqual(detail.roles.map((r) => r.name), ['Viewer'], 'a remove without scope removes the role in every scope');
    await backend.request(RoleAssign, { userIds: [users[1]], roles: [{ name: 'Administrator' }], mode: 'replace' });
    detail = await backend.request(UserGet, { userId: users[1] });
    assert.deepEqual(detail.roles.map((r) => r.name), ['Administrator']);
    const [entry] = await backend.request(AuditList, { userId: users[1], limit: 1 });
    assert.deepEqual(entry.changes, [{ field: 'roles', before: 'Viewer', after: 'Administrator' }]);
    assert.equal(entry.actor, 'role-tests');
  });

  test('user/list filters by category and text, sorts, and pages with a total', async () => {
    for (const name of ['cora', 'dave', 'erin']) await backend.request(UserCreateInternal, { username: name, displayName: `${name} Example`, email: `${name}@corp.test` });
    const page = await backend.request(UserList, { category: 'internal', sort: { field: 'username', direction: 'asc' }, offset: 1, limit: 2 });
    assert.equal(page.total, 5);
    assert.deepEqual(page.users.map((x) => x.username), ['ben', 'cora']);
    const found = await backend.request(UserList, { text: 'CORP.test', sort: { field: 'email', direction: 'desc' } });
    assert.deepEqual(found.users.map((x) => x.username), ['erin', 'dave', 'cora']);
    assert.equal((await backend.request(UserList, { category: 'external' })).total, 0);
    await rejectsWithCode(backend.request(UserList, { sort: { field: 'password' as 'username', direction: 'asc' } }), ErrorCodes.invalidInput);
  });

  test('an unknown role or user is refused and nothing is written', async () => {
    const bytes = fileBytes(backend.databasePath);
    const err = await rejectsWithCode(backend.request(RoleAssign, { userIds: users, roles: [{ roleId: 999 }], mode: 'add' }), ErrorCodes.invalidInput);
    assert.equal(err.data?.field, 'roles');
    await rejectsWithCode(backend.request(RoleAssign, { userIds: [users[0], 4242], roles: [{ name: 'Viewer' }], mode: 'replace' }), ErrorCodes.invalidInput);
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'a refused request leaves the file byte-identical');
  });
});
