// What a command acts on: the clicked tree node, the multi-selection, an args object from a
// webview or link, a bare id — or nothing (the command then asks with a QuickPick).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Realm, User } from '../../../protocol/model';
import { realmIdFromArg, userIdFromArg, userIdsFromArgs } from '../../../extension/commands/commandArgs';
import type { LoadMoreNode, RealmNode, UserNode } from '../../../extension/tree/nodes';

const realm = { id: 7, name: 'Corp' } as Realm;
const realmNode: RealmNode = { kind: 'realm', realm, stale: false };
const user = (id: number): UserNode => ({ kind: 'user', view: 'users', user: { id, username: `u${id}` } as User });
const more: LoadMoreNode = { kind: 'loadMore', view: 'realms', parent: realmNode, loaded: 200, total: 900 };

test('realm id from a realm node, an args object, a number or a numeric string', () => {
  assert.equal(realmIdFromArg(realmNode), 7);
  assert.equal(realmIdFromArg({ realmId: 3 }), 3);
  assert.equal(realmIdFromArg({ realm: { id: 4 } }), 4);
  assert.equal(realmIdFromArg(5), 5);
  assert.equal(realmIdFromArg(' 6 '), 6);
});

test('no realm id (so the command asks) from the palette, user nodes, Load more, junk', () => {
  for (const arg of [undefined, null, user(1), more, {}, { realmId: 0 }, { realmId: -1 }, { realmId: 1.5 }, 'abc', [7], { realmId: '1; drop' }]) {
    assert.equal(realmIdFromArg(arg), undefined, JSON.stringify(arg));
  }
});

test('user id from a user node, an args object or a number; not from realm nodes', () => {
  assert.equal(userIdFromArg(user(9)), 9);
  assert.equal(userIdFromArg({ userId: 12 }), 12);
  assert.equal(userIdFromArg({ user: { id: 13 } }), 13);
  assert.equal(userIdFromArg(14), 14);
  assert.equal(userIdFromArg(realmNode), undefined);
  assert.equal(userIdFromArg(more), undefined);
  assert.equal(userIdFromArg(undefined), undefined);
});

test('multi-select: the selection counts when it contains the clicked node', () => {
  assert.deepEqual(userIdsFromArgs(user(2), [user(1), user(2), user(3)]), [1, 2, 3]);
});

test('multi-select: a right-click outside the selection acts on the clicked node alone', () => {
  assert.deepEqual(userIdsFromArgs(user(9), [user(1), user(2)]), [9]);
});

test('multi-select: realm nodes and Load more in the selection are ignored, duplicates dropped', () => {
  assert.deepEqual(userIdsFromArgs(user(1), [user(1), realmNode, more, user(1), user(4)]), [1, 4]);
});

test('user ids from { userIds }, an array of nodes, a single node; empty = ask', () => {
  assert.deepEqual(userIdsFromArgs({ userIds: [3, 3, 4, 'x', -2] }), [3, 4]);
  assert.deepEqual(userIdsFromArgs([user(5), user(6)]), [5, 6]);
  assert.deepEqual(userIdsFromArgs(user(8)), [8]);
  assert.deepEqual(userIdsFromArgs(undefined), []);
  assert.deepEqual(userIdsFromArgs(realmNode, [realmNode]), []);
});
