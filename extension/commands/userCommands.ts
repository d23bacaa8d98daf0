// Commands on users: resync, convert, login, roles, create, delete, find, show, audit log.
import * as vscode from 'vscode';
import type { DirectoryEntry, User } from '../../protocol/model';
import {
  AuditList,
  RealmList,
  RealmSearch,
  RoleAssign,
  RoleCopy,
  UserConvert,
  UserCreateInternal,
  UserDelete,
  UserGet,
  UserResync,
  UserResyncCandidates,
  UserSetLoginEnabled,
  type RoleAssignMode,
} from '../../protocol/rpc';
import { auditMarkdown, changesText, userMarkdown } from '../reports/reportText';
import { realmIdFromArg, userIdFromArg, userIdsFromArgs } from './commandArgs';
import type { CommandEnv, CommandSpec } from './commandEnv';
import { CommandIds } from './commandIds';
import { confirm, pickRealm, pickRoles, pickUser, type UserPickFilter } from './pickers';

async function resolveUser(env: CommandEnv, arg: unknown, placeHolder: string, filter?: UserPickFilter): Promise<User | undefined> {
  const id = userIdFromArg(arg);
  if (id === undefined) {
    return pickUser(env.backend, placeHolder, filter);
  }
  return (await env.backend.request(UserGet, { userId: id })).user;
}

async function resolveUserIds(env: CommandEnv, arg: unknown, selection: unknown, placeHolder: string, filter?: UserPickFilter): Promise<number[]> {
  const ids = userIdsFromArgs(arg, selection);
  if (ids.length > 0) {
    return ids;
  }
  const user = await pickUser(env.backend, placeHolder, filter);
  return user ? [user.id] : [];
}

function who(users: number, single?: string): string {
  return users === 1 && single ? `"${single}"` : `${users} users`;
}

const resyncUser: CommandSpec = {
  need: 'contact',
  run: async (env, arg) => {
    const user = await resolveUser(env, arg, 'External user to resynchronize', { category: 'external' });
    if (!user) {
      return;
    }
    const open = env.openers.get('resyncUser');
    if (open) {
      return open({ userId: user.id });
    }
    return resyncUserStepByStep(env, user);
  },
};

async function resyncUserStepByStep(env: CommandEnv, user: User) {
  let realmId = user.realmId;
  if (realmId === undefined) {
    const realm = await pickRealm(env.backend, `Directory to look up "${user.username}" in`, (r) => r.enabled);
    if (!realm) {
      return;
    }
    realmId = realm.id;
  }
  const rid = realmId;
  const candidates = await env.operations.run(`Looking up "${user.username}"…`, (_id, token) =>
    env.backend.request(UserResyncCandidates, { userId: user.id, realmId: rid }, token),
  );
  let entry: DirectoryEntry | undefined;
  if (candidates.length === 0) {
    const convert = 'Convert to Internal User';
    const choice = await vscode.window.showWarningMessage(
      `"${user.username}" was not found in the directory (neither by UUID nor by username).`,
      convert,
    );
    if (choice === convert) {
      await vscode.commands.executeCommand(CommandIds.convertToInternal, { userId: user.id });
    }
    return;
  }
  if (candidates.length === 1) {
    entry = candidates[0];
  } else {
    entry = (
      await vscode.window.showQuickPick(
        candidates.map((c) => ({
          label: c.displayName || c.username,
          description: `${c.username}${user.ldapUuid && c.uuid === user.ldapUuid ? ' · same UUID' : ''}`,
          detail: c.dn,
          c,
        })),
        { title: `Resynchronize "${user.username}"`, placeHolder: 'Which directory entry is this user?' },
      )
    )?.c;
  }
  if (!entry) {
    return;
  }
  const target = entry;
  const preview = await env.backend.request(UserResync, { userId: user.id, realmId: rid, uuid: target.uuid || undefined, dn: target.dn, dryRun: true });
  if (preview.changes.length === 0) {
    void vscode.window.showInformationMessage(`"${user.username}" is up to date with the directory.`);
    return;
  }
  if (!(await confirm(`Apply ${preview.changes.length} changes to "${user.username}"?`, changesText(preview.changes), 'Save'))) {
    return;
  }
  const result = await env.backend.request(UserResync, { userId: user.id, realmId: rid, uuid: target.uuid || undefined, dn: target.dn });
  void vscode.window.showInformationMessage(`"${result.user.username}" resynchronized: ${result.changes.length} fields updated.`);
}

const convertToInternal: CommandSpec = {
  need: 'write',
  run: async (env, arg, selection) => {
    const ids = await resolveUserIds(env, arg, selection, 'External user to convert to internal', { category: 'external' });
    if (ids.length === 0) {
      return;
    }
    if (!(await confirm(`Convert ${who(ids.length)} to internal users?`, 'They keep their roles and are no longer resynchronized from LDAP.', 'Convert'))) {
      return;
    }
    for (const userId of ids) {
      await env.backend.request(UserConvert, { userId, to: 'internal' });
    }
    void vscode.window.showInformationMessage(`Converted ${who(ids.length)} to internal.`);
  },
};

const convertToExternal: CommandSpec = {
  need: 'contact',
  run: async (env, arg) => {
    const user = await resolveUser(env, arg, 'Internal user to convert to external', { category: 'internal' });
    if (!user) {
      return;
    }
    if (user.category === 'external') {
      void vscode.window.showInformationMessage(`"${user.username}" is an external user already.`);
      return;
    }
    const realm = await pickRealm(env.backend, `Directory that holds "${user.username}"`, (r) => r.enabled);
    if (!realm) {
      return;
    }
    const found = await env.operations.run(`Looking up "${user.username}" in "${realm.name}"…`, (operationId, token) =>
      env.backend.request(RealmSearch, { realmId: realm.id, query: user.username, mode: 'username', limit: 20, operationId }, token),
    );
    let entries = found.entries;
    if (entries.length === 0) {
      const query = await vscode.window.showInputBox({
        title: `Convert "${user.username}" to external`,
        prompt: `No entry with username "${user.username}" in "${realm.name}". Search by name or email instead:`,
        value: user.displayName,
      });
      if (!query) {
        return;
      }
      entries = (await env.backend.request(RealmSearch, { realmId: realm.id, query, limit: 50 })).entries;
    }
    const entry = (
      await vscode.window.showQuickPick(
        entries.map((e) => ({ label: e.displayName || e.username, description: e.username, detail: e.dn, e })),
        { title: `Convert "${user.username}" to external`, placeHolder: 'The directory entry of this user' },
      )
    )?.e;
    if (!entry) {
      return;
    }
    const converted = await env.backend.request(UserConvert, {
      userId: user.id,
      to: 'external',
      realmId: realm.id,
      uuid: entry.uuid || undefined,
      dn: entry.dn,
    });
    void vscode.window.showInformationMessage(`"${converted.username}" is now an external user of "${realm.name}"; its roles were kept.`);
  },
};

function setLogin(enabled: boolean): CommandSpec {
  return {
    need: 'write',
    run: async (env, arg, selection) => {
      const ids = await resolveUserIds(env, arg, selection, `User whose login to ${enabled ? 'enable' : 'disable'}`);
      if (ids.length === 0) {
        return;
      }
      const users = await env.backend.request(UserSetLoginEnabled, { userIds: ids, enabled });
      void vscode.window.showInformationMessage(
        `Login ${enabled ? 'enabled' : 'disabled'} for ${who(users.length, users[0]?.username)}.`,
      );
    },
  };
}

const assignRoles: CommandSpec = {
  need: 'write',
  run: async (env, arg, selection) => {
    const ids = await resolveUserIds(env, arg, selection, 'User whose roles to assign');
    if (ids.length === 0) {
      return;
    }
    let mode: RoleAssignMode = 'replace';
    let current: number[] = [];
    let name: string | undefined;
    if (ids.length === 1) {
      const detail = await env.backend.request(UserGet, { userId: ids[0]! });
      current = detail.roles.map((r) => r.roleId);
      name = detail.user.username;
    } else {
      const m = await vscode.window.showQuickPick(
        [
          { label: 'Add roles', detail: 'Each user keeps its roles and gets the checked ones too.', mode: 'add' as const },
          { label: 'Remove roles', detail: 'The checked roles are taken away from each user.', mode: 'remove' as const },
          { label: 'Replace roles', detail: 'Each user gets exactly the checked roles.', mode: 'replace' as const },
        ],
        { title: `Assign roles to ${ids.length} users` },
      );
      if (!m) {
        return;
      }
      mode = m.mode;
    }
    const roles = await pickRoles(env.backend, `Roles of ${who(ids.length, name)}`, { ids: current });
    if (!roles) {
      return;
    }
    await env.backend.request(RoleAssign, { userIds: ids, roles, mode });
    void vscode.window.showInformationMessage(`Roles of ${who(ids.length, name)} updated.`);
  },
};

const copyRolesFrom: CommandSpec = {
  need: 'write',
  run: async (env, arg, selection) => {
    const ids = await resolveUserIds(env, arg, selection, 'User who gets the roles');
    if (ids.length === 0) {
      return;
    }
    const source = await pickUser(env.backend, 'Copy roles from which user?', { exclude: ids });
    if (!source) {
      return;
    }
    const mode = await vscode.window.showQuickPick(
      [
        { label: 'Add to their roles', mode: 'merge' as const },
        { label: 'Replace their roles', mode: 'replace' as const },
      ],
      { title: `Copy roles from "${source.username}"` },
    );
    if (!mode) {
      return;
    }
    const { updated } = await env.backend.request(RoleCopy, { fromUserId: source.id, toUserIds: ids, mode: mode.mode });
    void vscode.window.showInformationMessage(`Copied the roles of "${source.username}" to ${who(updated)}.`);
  },
};

const createInternalUser: CommandSpec = {
  need: 'write',
  run: async (env) => {
    const title = 'Create Internal User';
    const username = await vscode.window.showInputBox({
      title: `${title} (1/3)`,
      prompt: 'Username (unique, case-insensitive)',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Enter a username.' : /\s/.test(v.trim()) ? 'A username has no spaces.' : undefined),
    });
    if (!username) {
      return;
    }
    const displayName = await vscode.window.showInputBox({
      title: `${title} (2/3)`,
      prompt: 'Display name',
      value: username.trim(),
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Enter a display name.' : undefined),
    });
    if (!displayName) {
      return;
    }
    const email = await vscode.window.showInputBox({
      title: `${title} (3/3)`,
      prompt: 'Email (optional)',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' || /^[^@\s]+@[^@\s]+$/.test(v.trim()) ? undefined : 'Enter an email address or leave it empty.'),
    });
    if (email === undefined) {
      return;
    }
    const roles = await pickRoles(env.backend, `Roles of "${username.trim()}"`, { names: env.config.importDefaultRoles });
    if (roles === undefined) {
      return;
    }
    const user = await env.backend.request(UserCreateInternal, {
      username: username.trim(),
      displayName: displayName.trim(),
      ...(email.trim() ? { email: email.trim() } : {}),
      roles,
    });
    void vscode.window.showInformationMessage(`Internal user "${user.username}" created.`);
    return user;
  },
};

const deleteUser: CommandSpec = {
  need: 'write',
  run: async (env, arg, selection) => {
    const ids = await resolveUserIds(env, arg, selection, 'User to delete');
    if (ids.length === 0) {
      return;
    }
    const single = ids.length === 1 ? (await env.backend.request(UserGet, { userId: ids[0]! })).user.username : undefined;
    if (!(await confirm(`Delete ${who(ids.length, single)}?`, 'Their role assignments go too; the audit log keeps what happened.', 'Delete'))) {
      return;
    }
    const { deleted } = await env.backend.request(UserDelete, { userIds: ids });
    void vscode.window.showInformationMessage(`Deleted ${who(deleted, single)}.`);
  },
};

const findUser: CommandSpec = {
  need: 'read',
  run: async (env) => {
    const user = await pickUser(env.backend, 'Find a user by username, name or email');
    if (user) {
      await vscode.commands.executeCommand(CommandIds.showUser, { userId: user.id });
    }
    return user;
  },
};

const showUser: CommandSpec = {
  need: 'read',
  run: async (env, arg) => {
    const id = userIdFromArg(arg) ?? (await pickUser(env.backend, 'User to show'))?.id;
    if (id === undefined) {
      return;
    }
    const open = env.openers.get('showUser');
    if (open) {
      return open({ userId: id });
    }
    const detail = await env.backend.request(UserGet, { userId: id });
    await env.reports.show(detail.user.username, userMarkdown(detail));
  },
};

const showAuditLog: CommandSpec = {
  need: 'read',
  run: async (env, arg) => {
    const userId = userIdFromArg(arg);
    const realmId = userId === undefined ? realmIdFromArg(arg) : undefined;
    let title = 'Audit log';
    if (userId !== undefined) {
      title = `Audit log: ${(await env.backend.request(UserGet, { userId })).user.username}`;
    } else if (realmId !== undefined) {
      const realm = (await env.backend.request(RealmList, {})).find((r) => r.id === realmId);
      title = `Audit log: ${realm?.name ?? `directory #${realmId}`}`;
    }
    const entries = await env.backend.request(AuditList, {
      ...(userId !== undefined ? { userId } : {}),
      ...(realmId !== undefined ? { realmId } : {}),
      limit: 500,
    });
    await env.reports.show(title, auditMarkdown(title, entries));
  },
};

export const userCommands = {
  [CommandIds.resyncUser]: resyncUser,
  [CommandIds.convertToInternal]: convertToInternal,
  [CommandIds.convertToExternal]: convertToExternal,
  [CommandIds.enableLogin]: setLogin(true),
  [CommandIds.disableLogin]: setLogin(false),
  [CommandIds.assignRoles]: assignRoles,
  [CommandIds.copyRolesFrom]: copyRolesFrom,
  [CommandIds.createInternalUser]: createInternalUser,
  [CommandIds.deleteUser]: deleteUser,
  [CommandIds.findUser]: findUser,
  [CommandIds.showUser]: showUser,
  [CommandIds.showAuditLog]: showAuditLog,
};
