// Commands on the views themselves: refresh, load more, filter and sort the Users view, the log,
// and restarting the backend.
import * as vscode from 'vscode';
import type { UserCategory } from '../../protocol/model';
import type { UserSortField } from '../../protocol/rpc';
import type { LoadMoreNode } from '../tree/nodes';
import { sortLabels, type UserFilter } from '../tree/usersTree';
import type { CommandSpec } from './commandEnv';
import { CommandIds } from './commandIds';
import { pickRealm } from './pickers';

const refresh: CommandSpec = {
  need: 'read',
  run: async (env) => {
    env.realmsTree.refresh();
    env.usersTree.refresh();
  },
};

const loadMore: CommandSpec = {
  need: 'read',
  run: async (env, arg) => {
    const node = arg as LoadMoreNode | undefined;
    if (node?.kind !== 'loadMore') {
      return;
    }
    await (node.view === 'realms' ? env.realmsTree.loadMore(node) : env.usersTree.loadMore(node));
  },
};

const showLog: CommandSpec = { need: 'read', run: async (env) => env.showLog() };

const restartBackend: CommandSpec = {
  need: 'read',
  run: async (env) => {
    await env.restartBackend();
    void vscode.window.showInformationMessage('The LDAP Users backend was restarted.');
  },
};

const filterUsers: CommandSpec = {
  need: 'read',
  run: async (env) => {
    const filter: UserFilter = env.usersTree.filter;
    const choice = await vscode.window.showQuickPick(
      [
        { label: '$(search) Text…', description: filter.text ? `"${filter.text}"` : 'username, name or email', what: 'text' as const },
        { label: '$(account) Internal users only', picked: filter.category === 'internal', what: 'internal' as const },
        { label: '$(person) External users only', picked: filter.category === 'external', what: 'external' as const },
        { label: '$(organization) Users of one directory…', what: 'realm' as const },
        { label: '$(clear-all) Everyone', what: 'clear' as const },
      ],
      { title: 'Filter the Users view', placeHolder: env.usersTree.describe() },
    );
    if (!choice) {
      return;
    }
    switch (choice.what) {
      case 'text': {
        const text = await vscode.window.showInputBox({
          title: 'Filter users',
          prompt: 'Words that each must match a username, name or email (empty = no text filter)',
          value: filter.text ?? '',
        });
        if (text === undefined) {
          return;
        }
        env.usersTree.setFilter({ ...filter, text });
        break;
      }
      case 'internal':
      case 'external': {
        const category: UserCategory = choice.what;
        env.usersTree.setFilter({ ...filter, category, ...(category === 'internal' ? { realmId: undefined } : {}) });
        break;
      }
      case 'realm': {
        const realm = await pickRealm(env.backend, 'Show the users of which directory?');
        if (!realm) {
          return;
        }
        env.usersTree.setFilter({ ...filter, realmId: realm.id, category: 'external' });
        break;
      }
      case 'clear':
        env.usersTree.setFilter({});
        break;
    }
  },
};

const clearUserFilter: CommandSpec = { need: 'read', run: async (env) => env.usersTree.setFilter({}) };

const sortUsers: CommandSpec = {
  need: 'read',
  run: async (env) => {
    const current = env.usersTree.sort;
    const fields: UserSortField[] = ['displayName', 'username', 'syncedAt', 'importedAt', 'email'];
    const items = fields.flatMap((field) =>
      (['asc', 'desc'] as const).map((direction) => ({
        label: `${field === current.field && direction === current.direction ? '$(check) ' : ''}By ${sortLabels[field]}`,
        description: direction === 'asc' ? (field.endsWith('At') ? 'oldest first' : 'A → Z') : field.endsWith('At') ? 'newest first' : 'Z → A',
        field,
        direction,
      })),
    );
    const picked = await vscode.window.showQuickPick(items, { title: 'Sort the Users view' });
    if (picked) {
      env.usersTree.setSort({ field: picked.field, direction: picked.direction });
    }
  },
};

export const viewCommands = {
  [CommandIds.refresh]: refresh,
  [CommandIds.loadMore]: loadMore,
  [CommandIds.showLog]: showLog,
  [CommandIds.restartBackend]: restartBackend,
  [CommandIds.filterUsers]: filterUsers,
  [CommandIds.clearUserFilter]: clearUserFilter,
  [CommandIds.sortUsers]: sortUsers,
};
