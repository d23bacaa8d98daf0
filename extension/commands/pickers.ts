// QuickPicks the commands use when they were not invoked on a tree item: a realm, a user
// (searched as you type), roles.
import * as vscode from 'vscode';
import type { Realm, Role, RoleRef, User, UserCategory } from '../../protocol/model';
import { RealmList, RoleList, RoleSave, UserList } from '../../protocol/rpc';
import type { BackendClient } from '../backend/backendClient';

interface RealmPick extends vscode.QuickPickItem {
  realm: Realm;
}

export async function pickRealm(
  backend: BackendClient,
  placeHolder: string,
  accept: (realm: Realm) => boolean = () => true,
): Promise<Realm | undefined> {
  const realms = (await backend.request(RealmList, {})).filter(accept);
  if (realms.length === 0) {
    const add = 'Add Directory';
    const choice = await vscode.window.showInformationMessage('There is no LDAP directory to choose from yet.', add);
    if (choice === add) {
      await vscode.commands.executeCommand('ldapUsers.addDirectory');
    }
    return undefined;
  }
  if (realms.length === 1) {
    return realms[0];
  }
  const items: RealmPick[] = realms
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((realm) => ({
      label: realm.name,
      description: realm.url,
      detail: realm.enabled ? undefined : 'disabled',
      iconPath: new vscode.ThemeIcon(realm.enabled ? 'organization' : 'circle-slash'),
      realm,
    }));
  return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.realm;
}

interface UserPick extends vscode.QuickPickItem {
  user: User;
}

export interface UserPickFilter {
  category?: UserCategory;
  realmId?: number;
  exclude?: number[];
}

/** A user, searched in the registry as the admin types (username, name, email). */
export function pickUser(backend: BackendClient, placeHolder: string, filter: UserPickFilter = {}): Promise<User | undefined> {
  const qp = vscode.window.createQuickPick<UserPick>();
  qp.placeholder = placeHolder;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;
  const load = async (text: string) => {
    const mine = ++generation;
    qp.busy = true;
    try {
      const page = await backend.request(UserList, {
        ...(text ? { text } : {}),
        ...(filter.category ? { category: filter.category } : {}),
        ...(filter.realmId !== undefined ? { realmId: filter.realmId } : {}),
        sort: { field: 'displayName', direction: 'asc' },
        limit: 100,
      });
      if (mine !== generation) {
        return;
      }
      qp.items = page.users
        .filter((u) => !filter.exclude?.includes(u.id))
        .map((user) => ({
          label: user.displayName || user.username,
          description: user.username,
          detail: [user.category, user.email].filter(Boolean).join(' · '),
          iconPath: new vscode.ThemeIcon(user.category === 'external' ? 'person' : 'account'),
          alwaysShow: true,
          user,
        }));
      qp.title = page.total > page.users.length ? `${page.users.length} of ${page.total} users — type to narrow` : undefined;
    } catch (err) {
      qp.title = `Cannot list users: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (mine === generation) {
        qp.busy = false;
      }
    }
  };
  return new Promise<User | undefined>((resolve) => {
    let picked: User | undefined;
    const subs = [
      qp.onDidChangeValue((value) => {
        clearTimeout(timer);
        timer = setTimeout(() => void load(value.trim()), 150);
      }),
      qp.onDidAccept(() => {
        picked = qp.selectedItems[0]?.user;
        qp.hide();
      }),
      qp.onDidHide(() => {
        clearTimeout(timer);
        subs.forEach((s) => s.dispose());
        qp.dispose();
        resolve(picked);
      }),
    ];
    qp.show();
    void load('');
  });
}

interface RolePick extends vscode.QuickPickItem {
  role?: Role;
  create?: true;
}

/** Roles to apply, with `preselected` names or ids checked; "New role…" creates one. */
export async function pickRoles(
  backend: BackendClient,
  title: string,
  preselected: { names?: string[]; ids?: number[] } = {},
): Promise<RoleRef[] | undefined> {
  const roles = await backend.request(RoleList, {});
  const names = new Set((preselected.names ?? []).map((n) => n.toLowerCase()));
  const ids = new Set(preselected.ids ?? []);
  const items: RolePick[] = [
    ...roles
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((role) => ({
        label: role.name,
        description: role.description,
        picked: ids.has(role.id) || names.has(role.name.toLowerCase()),
        role,
      })),
    { label: '$(add) New role…', alwaysShow: true, create: true },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true, placeHolder: 'Check the roles' });
  if (!picked) {
    return undefined;
  }
  const refs: RoleRef[] = picked.filter((p) => p.role).map((p) => ({ roleId: p.role!.id }));
  if (picked.some((p) => p.create)) {
    const name = await vscode.window.showInputBox({
      title: 'New role',
      prompt: 'Name of the new role',
      validateInput: (v) =>
        v.trim() === '' ? 'Enter a name.' : roles.some((r) => r.name.toLowerCase() === v.trim().toLowerCase()) ? 'That role exists already.' : undefined,
    });
    if (name === undefined) {
      return undefined;
    }
    const role = await backend.request(RoleSave, { role: { name: name.trim() } });
    refs.push({ roleId: role.id });
  }
  return refs;
}

export async function confirm(message: string, detail: string | undefined, action: string): Promise<boolean> {
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
}
