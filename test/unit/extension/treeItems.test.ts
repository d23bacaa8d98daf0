// How users and realms look in the trees: the state icon, description and the contextValue that
// package.json's menus match (e.g. Enable Login only on login-off users). Uses the fake vscode
// module for TreeItem/ThemeIcon; the real rendering and menus are checked by the e2e suite
// (test/e2e, code-server).
import '../../support/fakeVscode';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Realm, User } from '../../../protocol/model';
import { realmItem, userContextValue, userItem, userState } from '../../../extension/tree/treeItems';
import type { ThemeIcon } from '../../support/fakeVscode';

const base: User = {
  id: 1,
  username: 'jdoe',
  category: 'external',
  realmId: 3,
  displayName: 'Jane Doe',
  loginEnabled: true,
  ldapDisabled: false,
  roles: [],
};

test('user state icons, most important first: missing > disabled in LDAP > login disabled', () => {
  assert.equal(userState(base), 'external');
  assert.equal(userState({ ...base, category: 'internal', realmId: undefined }), 'internal');
  assert.equal(userState({ ...base, loginEnabled: false }), 'loginDisabled');
  assert.equal(userState({ ...base, loginEnabled: false, ldapDisabled: true }), 'ldapDisabled');
  assert.equal(userState({ ...base, ldapDisabled: true, missingSince: '2026-01-01T00:00:00Z' }), 'missing');
  const icon = (u: User) => userItem({ kind: 'user', view: 'realms', user: u }, 'Corp').iconPath as ThemeIcon;
  assert.equal(icon(base).id, 'person');
  assert.equal(icon({ ...base, missingSince: 'x' }).id, 'warning');
  assert.equal(icon({ ...base, ldapDisabled: true }).id, 'circle-slash');
  assert.equal(icon({ ...base, loginEnabled: false }).color?.id, 'disabledForeground');
});

test('user description: username, then states; the Users view adds the realm name', () => {
  const inRealms = userItem({ kind: 'user', view: 'realms', user: { ...base, ldapDisabled: true, loginEnabled: false } }, 'Corp');
  assert.equal(inRealms.label, 'Jane Doe');
  assert.equal(inRealms.description, 'jdoe · disabled in LDAP · login disabled');
  const inUsers = userItem({ kind: 'user', view: 'users', user: base }, 'Corp');
  assert.equal(inUsers.description, 'jdoe · Corp');
  assert.equal(inUsers.id, 'users:user:1');
  assert.deepEqual(inUsers.command?.arguments, [{ kind: 'user', view: 'users', user: base }]);
});

test('realm item: url as description, disabled and unreachable states', () => {
  const realm = { id: 3, name: 'Corp', url: 'ldaps://ldap.corp:636', enabled: true, kind: 'openldap', baseDn: 'dc=corp', bindDn: '' } as Realm;
  const ok = realmItem({ kind: 'realm', realm, stale: false, total: 1 });
  assert.equal(ok.description, 'ldaps://ldap.corp:636 · 1 user');
  assert.equal((ok.iconPath as ThemeIcon).id, 'organization');
  assert.equal(ok.contextValue, 'realm-enabled');
  const down = realmItem({ kind: 'realm', realm, stale: false, unreachable: 'ECONNREFUSED' });
  assert.equal(down.description, 'ldaps://ldap.corp:636 · unreachable');
  assert.equal((down.iconPath as ThemeIcon).id, 'debug-disconnect');
  const off = realmItem({ kind: 'realm', realm: { ...realm, enabled: false }, stale: false });
  assert.equal(off.contextValue, 'realm-disabled');
  assert.equal((off.iconPath as ThemeIcon).id, 'circle-slash');
});

test('every contextValue the items produce is matched by the menus in package.json', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: { menus: Record<string, { command: string; when?: string }[]> };
  };
  const whens = pkg.contributes.menus['view/item/context']!;
  const commandsFor = (contextValue: string) =>
    whens
      .filter((m) => {
        const re = /viewItem =~ \/(.*?)\//.exec(m.when ?? '');
        return re ? new RegExp(re[1]!).test(contextValue) : false;
      })
      .map((m) => m.command);
  const ext = commandsFor(userContextValue({ ...base, loginEnabled: false }));
  assert.ok(ext.includes('ldapUsers.enableLogin') && !ext.includes('ldapUsers.disableLogin'));
  assert.ok(ext.includes('ldapUsers.resyncUser') && ext.includes('ldapUsers.convertToInternal'));
  const internal = commandsFor(userContextValue({ ...base, category: 'internal' }));
  assert.ok(internal.includes('ldapUsers.convertToExternal') && internal.includes('ldapUsers.disableLogin'));
  assert.ok(!internal.includes('ldapUsers.resyncUser'));
  assert.ok(commandsFor('realm-enabled').includes('ldapUsers.importUsers'));
});
