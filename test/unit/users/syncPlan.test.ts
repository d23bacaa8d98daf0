import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryEntry } from '../../../protocol/model';
import { diffUserAgainstEntry, stateFromEntry } from '../../../server/users/entryDiff';
import { InMemoryRegistry, type RegistryUser } from '../../../server/users/registryView';
import { planImport, planRealmResync, planUserResync, reportFromPlan } from '../../../server/users/syncPlan';

const REALM = 1;

function entry(username: string, uuid: string, extra: Partial<DirectoryEntry> = {}): DirectoryEntry {
  return {
    dn: `uid=${username},ou=people,dc=example,dc=org`,
    uuid,
    username,
    displayName: `${username} Display`,
    givenName: username,
    surname: 'Tester',
    email: `${username}@example.org`,
    department: 'Engineering',
    title: '',
    phone: '',
    disabled: false,
    status: 'new',
    ...extra,
  };
}

let nextId = 100;
function userFrom(e: DirectoryEntry, overrides: Partial<RegistryUser> = {}): RegistryUser {
  return { id: nextId++, category: 'external', realmId: REALM, ...stateFromEntry(e), ...overrides };
}
function internal(username: string): RegistryUser {
  return {
    id: nextId++,
    category: 'internal',
    realmId: null,
    username,
    displayName: username,
    givenName: null,
    surname: null,
    email: null,
    department: null,
    title: null,
    phone: null,
    ldapUuid: null,
    ldapDn: null,
    ldapDisabled: false,
    missingSince: null,
  };
}

test('an entry identical to its user produces no changes; empty attributes equal NULL columns', () => {
  const e = entry('alice', 'u-1');
  assert.deepEqual(diffUserAgainstEntry(userFrom(e), e), []);
  const changed = { ...e, email: 'new@example.org', department: '' };
  assert.deepEqual(diffUserAgainstEntry(userFrom(e), changed), [
    { field: 'email', before: 'alice@example.org', after: 'new@example.org' },
    { field: 'department', before: 'Engineering', after: null },
  ]);
});

test('import: new entries are created, known ones updated or unchanged, the report counts them', () => {
  const a = entry('alice', 'u-1');
  const b = entry('bob', 'u-2');
  const c = entry('carol', 'u-3');
  const registry = new InMemoryRegistry([userFrom(a), userFrom(b)]);
  const plan = planImport(REALM, [a, { ...b, email: 'bob@new.example' }, c], registry, 'entryUUID');
  const report = reportFromPlan(plan);
  assert.equal(report.created, 1);
  assert.equal(report.updated, 1);
  assert.equal(report.unchanged, 1);
  assert.deepEqual(report.changes[0].fields, [{ field: 'email', before: 'bob@example.org', after: 'bob@new.example' }]);
});

test('import: the same entry selected twice counts once', () => {
  const a = entry('alice', 'u-1');
  const report = reportFromPlan(planImport(REALM, [a, a], new InMemoryRegistry([]), 'entryUUID'));
  assert.equal(report.created, 1);
});

test('import: an entry without a UUID fails with a reason naming the attribute', () => {
  const report = reportFromPlan(planImport(REALM, [entry('nouuid', '')], new InMemoryRegistry([]), 'entryUUID'));
  assert.equal(report.created, 0);
  assert.equal(report.failed.length, 1);
  assert.match(report.failed[0].reason, /entryUUID/);
});

test('import: username of an internal user, of another realm, or of another entry of this realm is a conflict', () => {
  const otherRealm = userFrom(entry('olga', 'o-1'), { realmId: 2 });
  const sameRealmOtherEntry = userFrom(entry('rita', 'old-uuid'));
  const registry = new InMemoryRegistry([internal('Ivan'), otherRealm, sameRealmOtherEntry]);
  const plan = planImport(REALM, [entry('ivan', 'x-1'), entry('olga', 'x-2'), entry('rita', 'x-3')], registry, 'entryUUID');
  const report = reportFromPlan(plan);
  assert.equal(report.conflicts, 3);
  assert.equal(report.created, 0);
  assert.match(report.conflictDetails![0].reason, /internal user "Ivan"/);
  assert.match(report.conflictDetails![1].reason, /another realm/);
  assert.match(report.conflictDetails![2].reason, /different entry of this realm/);
});

test('import: two new entries with the same username (case-insensitive): the second conflicts', () => {
  const report = reportFromPlan(planImport(REALM, [entry('dup', 'd-1'), entry('DUP', 'd-2')], new InMemoryRegistry([]), 'entryUUID'));
  assert.equal(report.created, 1);
  assert.equal(report.conflicts, 1);
});

test('import: a user of this realm without a stored UUID is linked by username', () => {
  const legacy = userFrom(entry('leo', 'ignored'), { ldapUuid: null });
  const plan = planImport(REALM, [entry('leo', 'l-1')], new InMemoryRegistry([legacy]), 'entryUUID');
  assert.equal(plan.actions[0].kind, 'update');
  assert.deepEqual(reportFromPlan(plan).changes[0].fields, [{ field: 'ldapUuid', before: null, after: 'l-1' }]);
});

test('renames: a rename frees its old name for another rename in the same plan; a taken name conflicts', () => {
  const a = userFrom(entry('anna', 'a-1'));
  const b = userFrom(entry('bert', 'b-1'));
  const registry = new InMemoryRegistry([a, b, internal('zed')]);
  // bert → anna2 is free; anna → bert needs bert's rename first (listed first to force a retry)
  const plan = planImport(REALM, [entry('bert', 'a-1'), entry('anna2', 'b-1')], registry, 'entryUUID');
  const report = reportFromPlan(plan);
  assert.equal(report.updated, 2);
  assert.equal(report.conflicts, 0);
  const blocked = reportFromPlan(planImport(REALM, [entry('zed', 'a-1')], registry, 'entryUUID'));
  assert.equal(blocked.conflicts, 1);
  assert.equal(blocked.updated, 0);
});

test('realm resync: renamed/moved users update the same row, gone users are marked missing, returning ones cleared', () => {
  const a = entry('alice', 'u-1');
  const b = entry('bob', 'u-2');
  const c = entry('carol', 'u-3');
  const d = entry('dave', 'u-4');
  const users = [userFrom(a), userFrom(b), userFrom(c), userFrom(d, { missingSince: '2026-01-01T00:00:00.000Z' })];
  const now = '2026-12-01T00:00:00.000Z';
  const moved = { ...b, dn: 'uid=bob,ou=moved,dc=example,dc=org' };
  const renamed = { ...a, username: 'alice2', dn: 'uid=alice2,ou=people,dc=example,dc=org' };
  const plan = planRealmResync(REALM, [renamed, moved, d], users, new InMemoryRegistry(users), now);
  const report = reportFromPlan(plan);
  assert.equal(plan.newlyMissing, 1);
  assert.equal(report.missing, 1);
  assert.equal(report.updated, 4);
  const byUser = new Map(report.changes.map((c) => [c.userId, c.fields.map((f) => f.field)]));
  assert.deepEqual(byUser.get(users[0].id), ['username', 'ldapDn']);
  assert.deepEqual(byUser.get(users[1].id), ['ldapDn']);
  assert.deepEqual(byUser.get(users[2].id), ['missingSince']);
  assert.deepEqual(byUser.get(users[3].id), ['missingSince']);
});

test('realm resync: already-missing users stay missing without a write; disabled accounts are flagged', () => {
  const a = entry('alice', 'u-1');
  const gone = userFrom(entry('gone', 'u-9'), { missingSince: '2026-01-01T00:00:00.000Z' });
  const users = [userFrom(a), gone];
  const plan = planRealmResync(REALM, [{ ...a, disabled: true }], users, new InMemoryRegistry(users), 'now');
  const report = reportFromPlan(plan);
  assert.equal(plan.newlyMissing, 0);
  assert.equal(report.missing, 1);
  assert.equal(report.unchanged, 1);
  assert.deepEqual(report.changes[0].fields, [{ field: 'ldapDisabled', before: false, after: true }]);
});

test('user resync with a chosen entry reports field changes', () => {
  const a = entry('alice', 'u-1');
  const user = userFrom(a);
  const action = planUserResync(REALM, user, { ...a, title: 'CTO' }, new InMemoryRegistry([user]));
  assert.equal(action.kind, 'update');
  if (action.kind === 'update') assert.deepEqual(action.changes, [{ field: 'title', before: null, after: 'CTO' }]);
});
