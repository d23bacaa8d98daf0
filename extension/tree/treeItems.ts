// How realms, users and "Load more…" look in the trees: label, description, icon for the state,
// tooltip, and the contextValue the menus in package.json match on:
//   realm-enabled | realm-disabled
//   user-<internal|external>-login-<on|off>
import * as vscode from 'vscode';
import type { Realm, User } from '../../protocol/model';
import { CommandIds } from '../commands/commandIds';
import type { LoadMoreNode, RealmNode, UserNode } from './nodes';

export function realmContextValue(realm: Realm): string {
  return realm.enabled ? 'realm-enabled' : 'realm-disabled';
}

export function userContextValue(user: User): string {
  return `user-${user.category}-login-${user.loginEnabled ? 'on' : 'off'}`;
}

/** The state a user's icon shows, most important first. */
export function userState(user: User): 'missing' | 'ldapDisabled' | 'loginDisabled' | 'internal' | 'external' {
  if (user.category === 'external' && user.missingSince) {
    return 'missing';
  }
  if (user.category === 'external' && user.ldapDisabled) {
    return 'ldapDisabled';
  }
  if (!user.loginEnabled) {
    return 'loginDisabled';
  }
  return user.category;
}

export function realmItem(node: RealmNode): vscode.TreeItem {
  const { realm } = node;
  const item = new vscode.TreeItem(realm.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `realm:${realm.id}`;
  const notes: string[] = [];
  if (!realm.enabled) {
    notes.push('disabled');
  } else if (node.unreachable) {
    notes.push('unreachable');
  }
  if (node.total !== undefined) {
    notes.push(`${node.total} ${node.total === 1 ? 'user' : 'users'}`);
  }
  item.description = [realm.url, ...notes].join(' · ');
  item.iconPath = !realm.enabled
    ? new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'))
    : node.unreachable
      ? new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('errorForeground'))
      : new vscode.ThemeIcon('organization');
  item.contextValue = realmContextValue(realm);
  const tip = new vscode.MarkdownString(undefined, false);
  tip.appendMarkdown(`**${escapeMd(realm.name)}** (${kindLabel(realm.kind)})\n\n`);
  tip.appendMarkdown(`URL: \`${realm.url}\`${realm.startTls ? ' with StartTLS' : ''}\n\n`);
  tip.appendMarkdown(`Base DN: \`${realm.baseDn}\`\n\nBind DN: \`${realm.bindDn || '(anonymous)'}\`\n\n`);
  if (!realm.enabled) {
    tip.appendMarkdown('Disabled: users are kept, the directory is not contacted.\n\n');
  }
  if (node.unreachable) {
    tip.appendMarkdown(`Last contact failed: ${escapeMd(node.unreachable)}\n\n`);
  }
  item.tooltip = tip;
  return item;
}

export function userItem(node: UserNode, realmName: string | undefined): vscode.TreeItem {
  const { user } = node;
  const item = new vscode.TreeItem(user.displayName || user.username, vscode.TreeItemCollapsibleState.None);
  item.id = `${node.view}:user:${user.id}`;
  const state = userState(user);
  const words: Record<typeof state, string | undefined> = {
    missing: 'missing from LDAP',
    ldapDisabled: 'disabled in LDAP',
    loginDisabled: 'login disabled',
    internal: node.view === 'users' ? 'internal' : undefined,
    external: undefined,
  };
  const extra = [words[state], state !== 'loginDisabled' && !user.loginEnabled ? 'login disabled' : undefined];
  if (node.view === 'users' && user.category === 'external' && realmName) {
    extra.push(realmName);
  }
  item.description = [user.username, ...extra.filter(Boolean)].join(' · ');
  item.iconPath = {
    missing: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
    ldapDisabled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('errorForeground')),
    loginDisabled: new vscode.ThemeIcon('person', new vscode.ThemeColor('disabledForeground')),
    internal: new vscode.ThemeIcon('account'),
    external: new vscode.ThemeIcon('person'),
  }[state];
  item.contextValue = userContextValue(user);
  const tip = new vscode.MarkdownString(undefined, false);
  tip.appendMarkdown(`**${escapeMd(user.displayName || user.username)}** — \`${escapeMd(user.username)}\`\n\n`);
  tip.appendMarkdown(
    user.category === 'external'
      ? `External user${realmName ? ` from ${escapeMd(realmName)}` : ''}\n\n`
      : 'Internal user\n\n',
  );
  if (user.email) {
    tip.appendMarkdown(`${escapeMd(user.email)}\n\n`);
  }
  if (user.missingSince) {
    tip.appendMarkdown(`Missing from LDAP since ${user.missingSince}\n\n`);
  }
  if (user.ldapDisabled) {
    tip.appendMarkdown('Disabled in LDAP\n\n');
  }
  tip.appendMarkdown(`Login ${user.loginEnabled ? 'enabled' : 'disabled'}`);
  if (user.syncedAt) {
    tip.appendMarkdown(` · last sync ${user.syncedAt}`);
  }
  item.tooltip = tip;
  item.command = { command: CommandIds.showUser, title: 'Show User', arguments: [node] };
  return item;
}

export function loadMoreItem(node: LoadMoreNode): vscode.TreeItem {
  const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
  item.id = `${node.view}:more:${node.parent?.realm.id ?? 'all'}`;
  item.description = `${node.loaded} of ${node.total} shown`;
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.contextValue = 'loadMore';
  item.command = { command: CommandIds.loadMore, title: 'Load More', arguments: [node] };
  return item;
}

function kindLabel(kind: Realm['kind']): string {
  return kind === 'activeDirectory' ? 'Active Directory' : kind === 'openldap' ? 'OpenLDAP' : 'LDAPv3';
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
