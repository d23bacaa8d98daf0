// The Realms and Users tree providers against the real backend and a real slapd with 450 users:
// a realm expands to its first page with "Load more…" at once, Load more appends pages, and a
// store/didChange redraws only the nodes that changed. The providers run with the fake vscode
// module (TreeItem, EventEmitter); the same trees in real VS Code are checked by the e2e suite
// (test/e2e, code-server).
import '../support/fakeVscode';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RealmSave, RealmSearch, SecretGet, UserConvert, UserCreateInternal, UserImport, UserSetLoginEnabled } from '../../protocol/rpc';
import { BackendSupervisor } from '../../extension/backend/backendSupervisor';
import type { RealmNode, TreeNode, UserNode } from '../../extension/tree/nodes';
import { RealmsTreeProvider, type TreeHost } from '../../extension/tree/realmsTree';
import { TreeRefresher } from '../../extension/tree/treeRefresher';
import { UsersTreeProvider } from '../../extension/tree/usersTree';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { ensureServerBuilt, makeTempDir, serverBundle } from '../support/backendClient';

type TreeEvent = TreeNode | TreeNode[] | undefined;

/** The next onDidChangeTreeData event, or 'none' after `ms`. */
function nextEvent(provider: { onDidChangeTreeData: (l: (e: TreeEvent) => void) => { dispose(): void } }, ms = 5_000) {
  return new Promise<TreeEvent | 'none'>((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve('none');
    }, ms);
    const sub = provider.onDidChangeTreeData((e) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

describe('tree providers on a realm with 450 users', () => {
  let slapd: SlapdHandle;
  let backend: BackendSupervisor;
  let realms: RealmsTreeProvider;
  let users: UsersTreeProvider;
  let refresher: TreeRefresher;
  const errors: string[] = [];

  before(async () => {
    ensureServerBuilt();
    slapd = await startSlapd({ users: 450, awkward: false, substringIndexes: false });
    backend = new BackendSupervisor({
      serverModule: serverBundle,
      transport: 'ipc',
      initializeParams: () => ({ databasePath: join(makeTempDir('ldapum-trees-'), 'registry.sqlite') }),
    });
    backend.onRequest(SecretGet, () => ({ password: slapd.readerPassword }));
    const realm = await backend.request(RealmSave, {
      realm: {
        name: 'Test slapd',
        kind: 'openldap',
        url: slapd.ldapUrl,
        startTls: true,
        caCertPath: slapd.caCertPath,
        bindDn: slapd.readerDn,
        baseDn: slapd.baseDn,
      },
    });
    const found = await backend.request(RealmSearch, { realmId: realm.id, query: '*', limit: 5_000 });
    assert.equal(found.entries.length, 450);
    const report = await backend.request(UserImport, {
      realmId: realm.id,
      entries: found.entries.map((e) => ({ uuid: e.uuid, dn: e.dn, username: e.username })),
    });
    assert.equal(report.created, 450);
    const host: TreeHost = {
      backend,
      unavailableReason: () => undefined,
      reportError: (err) => errors.push(String(err)),
      setContext: () => undefined,
    };
    realms = new RealmsTreeProvider(host);
    users = new UsersTreeProvider(host, (id) => realms.realmName(id));
    refresher = new TreeRefresher(backend, realms, users, 10);
  });

  after(async () => {
    refresher?.dispose();
    await backend?.stop();
    await slapd?.stop();
  });

  test('a realm expands to its first 200 users and "Load more…" at once; Load more appends pages', async () => {
    const roots = await realms.getChildren();
    assert.equal(roots.length, 1);
    const realm = roots[0] as RealmNode;
    assert.equal(realms.getTreeItem(realm).label, 'Test slapd');

    const started = Date.now();
    let children = await realms.getChildren(realm);
    const ms = Date.now() - started;
    assert.ok(ms < 2_000, `first page took ${ms} ms`);
    assert.equal(children.length, 201);
    const more = children[200]!;
    assert.equal(more.kind, 'loadMore');
    assert.equal(realms.getTreeItem(more).description, '200 of 450 shown');
    assert.equal(realms.getTreeItem(realm).description, `${slapd.ldapUrl} · 450 users`);
    const names = children.slice(0, 200).map((c) => (c as UserNode).user.displayName);
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)), 'sorted by name');

    const changed = nextEvent(realms);
    await realms.loadMore(more as never);
    assert.equal(await changed, realm, 'only the realm node is redrawn');
    children = await realms.getChildren(realm);
    assert.equal(children.length, 401);
    await realms.loadMore(children[400] as never);
    children = await realms.getChildren(realm);
    assert.equal(children.length, 450, 'all loaded, no Load more node');
    assert.ok(children.every((c) => c.kind === 'user'));
    assert.equal(new Set(children.map((c) => (c as UserNode).user.id)).size, 450, 'no user twice');
    assert.deepEqual(errors, []);
  });

  test('store/didChange redraws only the changed user, in both views', async () => {
    const realm = (await realms.getChildren())[0] as RealmNode;
    const inRealms = (await realms.getChildren(realm))[5] as UserNode;
    const userList = await users.getChildren();
    assert.equal(userList.length, 201);
    const inUsers = userList.find((n) => n.kind === 'user' && n.user.id === inRealms.user.id) as UserNode;
    assert.ok(inUsers, 'the same user is on the first page of the Users view');

    const realmsEvent = nextEvent(realms);
    const usersEvent = nextEvent(users);
    await backend.request(UserSetLoginEnabled, { userIds: [inRealms.user.id], enabled: false });
    assert.deepEqual(await realmsEvent, [inRealms], 'Realms view: just that node');
    assert.deepEqual(await usersEvent, [inUsers], 'Users view: just that node');
    assert.equal(inRealms.user.loginEnabled, false);
    assert.equal(realms.getTreeItem(inRealms).contextValue, 'user-external-login-off');
    assert.equal(users.getTreeItem(inUsers).contextValue, 'user-external-login-off');
    // The page itself was not reloaded: same node objects, same count.
    assert.equal((await realms.getChildren(realm))[5], inRealms);
  });

  test('converting a user to internal redraws its realm (the user leaves it) and the user in place in the Users view', async () => {
    const realm = (await realms.getChildren())[0] as RealmNode;
    const before = await realms.getChildren(realm);
    const leaving = before[7] as UserNode;
    const inUsers = (await users.getChildren()).find((n) => n.kind === 'user' && n.user.id === leaving.user.id) as UserNode;
    const realmsEvent = nextEvent(realms);
    const usersEvent = nextEvent(users);
    await backend.request(UserConvert, { userId: leaving.user.id, to: 'internal' });
    assert.deepEqual(await realmsEvent, [realm], 'only the realm node');
    assert.deepEqual(await usersEvent, [inUsers], 'the user is redrawn where it is');
    assert.equal(inUsers.user.category, 'internal');
    const after = await realms.getChildren(realm);
    assert.equal(after.length, before.length - 1);
    assert.ok(!after.some((n) => n.kind === 'user' && n.user.id === leaving.user.id));
    assert.equal(realms.getTreeItem(realm).description, `${slapd.ldapUrl} · 449 users`);
  });

  test('a new internal user refreshes the Users list and leaves the Realms view alone', async () => {
    const realmsEvent = nextEvent(realms, 800);
    const usersEvent = nextEvent(users);
    await backend.request(UserCreateInternal, { username: 'aaa-internal', displayName: 'Aaa Internal' });
    assert.equal(await usersEvent, undefined, 'the Users list reloads');
    assert.equal(await realmsEvent, 'none', 'no realm node redrawn');
    const first = (await users.getChildren())[0] as UserNode;
    assert.equal(first.user.username, 'aaa-internal');
  });

  test('the Users view filters by category and text, and says so', async () => {
    users.setFilter({ category: 'internal' });
    let list = await users.getChildren();
    assert.ok(list.some((n) => (n as UserNode).user.username === 'aaa-internal'));
    assert.equal(list.length, 2, 'the created and the converted user');
    assert.ok(list.every((n) => (n as UserNode).user.category === 'internal'));
    assert.equal(users.describe(), 'internal · by name');
    const someone = ((await realms.getChildren((await realms.getChildren())[0])) as UserNode[])[10]!.user;
    users.setFilter({ text: someone.username });
    list = await users.getChildren();
    assert.ok(list.some((n) => n.kind === 'user' && n.user.id === someone.id));
    assert.ok(list.length < 20);
    users.setFilter({});
    assert.equal(users.isFiltered, false);
  });
});
