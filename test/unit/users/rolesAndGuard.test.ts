import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignRoles, copyRoles, describeAssignments, sameAssignments } from '../../../server/users/roleMerge';
import { missingGuardTrips, missingThreshold } from '../../../server/users/missingGuard';

test('missing threshold is max(50, 10 %)', () => {
  assert.equal(missingThreshold(10), 50);
  assert.equal(missingThreshold(500), 50);
  assert.equal(missingThreshold(2000), 200);
  // The admin's share replaces the rule, with no floor of 50.
  assert.equal(missingThreshold(150, 0), 0);
  assert.equal(missingThreshold(150, 0.05), 7);
  assert.equal(missingGuardTrips({ newlyMissing: 2, realmUsers: 150, entriesRead: 148, share: 0 }), true);
  assert.equal(missingGuardTrips({ newlyMissing: 2, realmUsers: 150, entriesRead: 148, share: 0.05 }), false);
  assert.equal(missingGuardTrips({ newlyMissing: 150, realmUsers: 150, entriesRead: 0, share: 1 }), true, 'an empty read always asks');
  assert.equal(missingGuardTrips({ newlyMissing: 50, realmUsers: 100, entriesRead: 50 }), false);
  assert.equal(missingGuardTrips({ newlyMissing: 51, realmUsers: 100, entriesRead: 49 }), true);
  assert.equal(missingGuardTrips({ newlyMissing: 200, realmUsers: 2000, entriesRead: 1800 }), false);
  assert.equal(missingGuardTrips({ newlyMissing: 201, realmUsers: 2000, entriesRead: 1799 }), true);
});

test('an empty directory read for a realm with users always trips the guard', () => {
  assert.equal(missingGuardTrips({ newlyMissing: 3, realmUsers: 3, entriesRead: 0 }), true);
  assert.equal(missingGuardTrips({ newlyMissing: 0, realmUsers: 0, entriesRead: 0 }), false);
});

test('role assign: add unions, remove by role (any scope) or by role+scope, replace sets', () => {
  const current = [{ roleId: 1 }, { roleId: 3, scope: 'projA' }, { roleId: 3, scope: 'projB' }];
  assert.deepEqual(assignRoles(current, [{ roleId: 2 }, { roleId: 1 }], 'add'), [
    { roleId: 1 },
    { roleId: 2 },
    { roleId: 3, scope: 'projA' },
    { roleId: 3, scope: 'projB' },
  ]);
  assert.deepEqual(assignRoles(current, [{ roleId: 3, scope: 'projA' }], 'remove'), [{ roleId: 1 }, { roleId: 3, scope: 'projB' }]);
  assert.deepEqual(assignRoles(current, [{ roleId: 3 }], 'remove'), [{ roleId: 1 }]);
  assert.deepEqual(assignRoles(current, [{ roleId: 4 }], 'replace'), [{ roleId: 4 }]);
});

test('role copy: merge keeps the target roles, replace takes the source roles only', () => {
  const target = [{ roleId: 1 }];
  const source = [{ roleId: 2 }, { roleId: 3, scope: 'x' }];
  assert.deepEqual(copyRoles(target, source, 'merge'), [{ roleId: 1 }, { roleId: 2 }, { roleId: 3, scope: 'x' }]);
  assert.deepEqual(copyRoles(target, source, 'replace'), [{ roleId: 2 }, { roleId: 3, scope: 'x' }]);
  assert.ok(sameAssignments([{ roleId: 2 }, { roleId: 2 }], [{ roleId: 2, scope: ' ' }]));
  assert.equal(describeAssignments(source, (id) => `R${id}`), 'R2, R3 @ x');
});
