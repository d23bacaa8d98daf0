// The Users view: every user, internal and external, filtered (text, category, realm) and
// sorted as chosen in the view title, loaded a page at a time.
import * as vscode from 'vscode';
import type { User, UserCategory } from '../../protocol/model';
import { UserList, type UserListParams, type UserSortField } from '../../protocol/rpc';
import type { LoadMoreNode, TreeNode, UserNode } from './nodes';
import type { TreeHost } from './realmsTree';
import type { StoreChange } from './storeChange';
import { loadMoreItem, userItem } from './treeItems';

export interface UserFilter {
  text?: string;
  category?: UserCategory;
  realmId?: number;
}

export interface UserSort {
  field: UserSortField;
  direction: 'asc' | 'desc';
}

export const sortLabels: Record<UserSortField, string> = {
  displayName: 'name',
  username: 'username',
  syncedAt: 'last sync',
  importedAt: 'import date',
  email: 'email',
};

/** Whether `user` passes `filter` (the same rules the backend applies to `user/list`). */
export function matchesFilter(user: User, filter: UserFilter): boolean {
  if (filter.category && user.category !== filter.category) {
    return false;
  }
  if (filter.realmId !== undefined && user.realmId !== filter.realmId) {
    return false;
  }
  const text = filter.text?.trim().toLowerCase();
  if (text) {
    const haystack = [user.username, user.displayName, user.email ?? ''].join('\n').toLowerCase();
    return text.split(/\s+/).every((term) => haystack.includes(term));
  }
  return true;
}

/** The view's description: what the list is filtered and sorted by. */
export function describeFilter(filter: UserFilter, sort: UserSort, realmName?: (id: number) => string | undefined): string {
  const parts: string[] = [];
  if (filter.text) {
    parts.push(`"${filter.text}"`);
  }
  if (filter.category) {
    parts.push(filter.category);
  }
  if (filter.realmId !== undefined) {
    parts.push(realmName?.(filter.realmId) ?? `realm #${filter.realmId}`);
  }
  const sorted = `by ${sortLabels[sort.field]}${sort.direction === 'desc' ? ' ↓' : ''}`;
  return parts.length > 0 ? `${parts.join(' · ')} · ${sorted}` : sorted;
}

export class UsersTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private users: UserNode[] | undefined;
  private total = 0;
  private stale = true;
  private currentFilter: UserFilter = {};
  private currentSort: UserSort = { field: 'displayName', direction: 'asc' };

  constructor(
    private readonly host: TreeHost,
    private readonly realmName: (realmId: number) => string | undefined,
    readonly pageSize = 200,
  ) {}

  get filter(): UserFilter {
    return { ...this.currentFilter };
  }

  get sort(): UserSort {
    return { ...this.currentSort };
  }

  get isFiltered(): boolean {
    return Boolean(this.currentFilter.text || this.currentFilter.category || this.currentFilter.realmId !== undefined);
  }

  /** Users as last loaded (for pickers). */
  get loadedUsers(): User[] {
    return (this.users ?? []).map((n) => n.user);
  }

  setFilter(filter: UserFilter): void {
    this.currentFilter = { ...filter, text: filter.text?.trim() || undefined };
    this.host.setContext('ldapUsers.usersFiltered', this.isFiltered);
    this.refresh();
  }

  setSort(sort: UserSort): void {
    this.currentSort = sort;
    this.refresh();
  }

  describe(): string {
    return describeFilter(this.currentFilter, this.currentSort, this.realmName);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'user':
        return userItem(node, node.user.realmId !== undefined ? this.realmName(node.user.realmId) : undefined);
      case 'loadMore':
        return loadMoreItem(node);
      case 'realm':
        return new vscode.TreeItem(node.realm.name);
    }
  }

  getParent(): TreeNode | undefined {
    return undefined;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) {
      return [];
    }
    if (this.host.unavailableReason()) {
      this.host.setContext('ldapUsers.usersLoaded', false);
      return [];
    }
    if (!this.users || this.stale) {
      try {
        await this.load(0, Math.max(this.pageSize, this.users?.length ?? 0));
      } catch (err) {
        this.host.reportError(err, 'Loading the users');
        this.users = this.users ?? [];
      }
    }
    this.host.setContext('ldapUsers.usersLoaded', true);
    return this.children();
  }

  async loadMore(_node: LoadMoreNode): Promise<void> {
    try {
      await this.load(this.users?.length ?? 0, this.pageSize);
    } catch (err) {
      this.host.reportError(err, 'Loading more users');
    }
    this.emitter.fire(undefined);
  }

  refresh(): void {
    this.stale = true;
    this.emitter.fire(undefined);
  }

  /** Applies a `store/didChange`: redraws the changed users in place when the list stays the same. */
  applyChange(change: StoreChange, users: Map<number, User | null> | undefined): void {
    if (!this.users) {
      return;
    }
    if (!change.userIds?.length) {
      // Only realms changed (e.g. renamed or removed): the list changes only if it shows them.
      const touched = new Set(change.realmIds ?? []);
      if (
        touched.size === 0 ||
        (this.currentFilter.realmId !== undefined && touched.has(this.currentFilter.realmId)) ||
        this.users.some((n) => n.user.realmId !== undefined && touched.has(n.user.realmId))
      ) {
        this.refresh();
      }
      return;
    }
    if (users === undefined) {
      this.refresh();
      return;
    }
    const dirty: UserNode[] = [];
    for (const id of change.userIds) {
      const now = users.get(id) ?? null;
      const shown = this.users.find((n) => n.user.id === id);
      if (shown && now && matchesFilter(now, this.currentFilter)) {
        shown.user = now;
        dirty.push(shown);
      } else if (shown || (now && matchesFilter(now, this.currentFilter))) {
        // Deleted, no longer matching, or a new match: the list itself changed.
        this.refresh();
        return;
      }
    }
    if (dirty.length > 0) {
      this.emitter.fire(dirty);
    }
  }

  dispose(): void {
    this.emitter.dispose();
  }

  private children(): TreeNode[] {
    const users = this.users ?? [];
    if (users.length < this.total) {
      return [...users, { kind: 'loadMore', view: 'users', loaded: users.length, total: this.total }];
    }
    return users;
  }

  private async load(offset: number, limit: number): Promise<void> {
    const params: UserListParams = {
      ...(this.currentFilter.text ? { text: this.currentFilter.text } : {}),
      ...(this.currentFilter.category ? { category: this.currentFilter.category } : {}),
      ...(this.currentFilter.realmId !== undefined ? { realmId: this.currentFilter.realmId } : {}),
      sort: this.currentSort,
      offset,
      limit,
    };
    const page = await this.host.backend.request(UserList, params);
    const fresh: UserNode[] = page.users.map((user) => ({ kind: 'user', view: 'users', user }));
    this.users = offset === 0 ? fresh : [...(this.users ?? []), ...fresh];
    this.total = page.total;
    this.stale = false;
  }
}
