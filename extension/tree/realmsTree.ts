// The Realms view: one node per realm; a realm's children are its external users, loaded a page
// at a time with a "Load more…" node, so a realm with 20,000 users expands at once.
import * as vscode from 'vscode';
import type { Realm, User } from '../../protocol/model';
import { RealmList, UserList } from '../../protocol/rpc';
import type { BackendClient } from '../backend/backendClient';
import type { StoreChange } from './storeChange';
import type { LoadMoreNode, RealmNode, TreeNode, UserNode } from './nodes';
import { loadMoreItem, realmItem, userItem } from './treeItems';

export interface TreeHost {
  backend: BackendClient;
  /** Why the registry cannot be shown (no folder…), or undefined when it can. */
  unavailableReason(): string | undefined;
  /** Reports a failed load (message with actions); the tree shows what it has. */
  reportError(err: unknown, what: string): void;
  setContext(key: string, value: unknown): void;
}

export class RealmsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private nodes = new Map<number, RealmNode>();
  private loaded = false;

  constructor(
    private readonly host: TreeHost,
    readonly pageSize = 200,
  ) {}

  /** Realms as last loaded (for pickers and names); empty before the view loaded them. */
  get realms(): Realm[] {
    return [...this.nodes.values()].map((n) => n.realm);
  }

  realmName(realmId: number): string | undefined {
    return this.nodes.get(realmId)?.realm.name;
  }

  realmNode(realmId: number): RealmNode | undefined {
    return this.nodes.get(realmId);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'realm':
        return realmItem(node);
      case 'user':
        return userItem(node, node.parent?.realm.name);
      case 'loadMore':
        return loadMoreItem(node);
    }
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.kind === 'realm' ? undefined : node.parent;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      return this.loadRealms();
    }
    if (node.kind !== 'realm') {
      return [];
    }
    if (!node.users || node.stale) {
      try {
        await this.loadUsers(node, 0, Math.max(this.pageSize, node.users?.length ?? 0));
      } catch (err) {
        this.host.reportError(err, `Loading the users of "${node.realm.name}"`);
        return [];
      }
    }
    return childrenOf(node);
  }

  /** "Load more…": appends the next page under its realm. */
  async loadMore(node: LoadMoreNode): Promise<void> {
    const parent = node.parent;
    if (!parent) {
      return;
    }
    try {
      await this.loadUsers(parent, parent.users?.length ?? 0, this.pageSize);
    } catch (err) {
      this.host.reportError(err, `Loading more users of "${parent.realm.name}"`);
    }
    this.emitter.fire(parent);
  }

  /** Reloads everything. */
  refresh(): void {
    this.loaded = false;
    for (const n of this.nodes.values()) {
      n.stale = true;
    }
    this.emitter.fire(undefined);
  }

  /** Marks a realm reachable or not (after a directory operation) and redraws just that node. */
  setUnreachable(realmId: number, reason: string | undefined): void {
    const node = this.nodes.get(realmId);
    if (node && node.unreachable !== reason) {
      node.unreachable = reason;
      this.emitter.fire(node);
    }
  }

  /**
   * Applies a `store/didChange`: redraws only the nodes that changed. `users` has the changed
   * users as they are now (null = deleted) when the change named few enough of them.
   */
  async applyChange(change: StoreChange, users: Map<number, User | null> | undefined): Promise<void> {
    if (!this.loaded) {
      return;
    }
    if (!change.realmIds?.length && !change.userIds?.length) {
      this.refresh();
      return;
    }
    const dirty = new Set<TreeNode>();
    if (change.realmIds?.length) {
      const before = [...this.nodes.keys()].sort().join(',');
      let realms: Realm[];
      try {
        realms = await this.host.backend.request(RealmList, {});
      } catch {
        this.refresh();
        return;
      }
      const after = realms.map((r) => r.id).sort().join(',');
      if (before !== after) {
        // A realm was added or removed: the root list itself changed.
        this.reconcile(realms);
        this.emitter.fire(undefined);
        return;
      }
      this.reconcile(realms);
      for (const id of change.realmIds) {
        const node = this.nodes.get(id);
        if (node) {
          node.stale = true;
          dirty.add(node);
        }
      }
    }
    for (const userId of change.userIds ?? []) {
      const now = users?.get(userId);
      const shown = this.findUser(userId);
      if (users === undefined) {
        // Too many to look at one by one: the realms named in the change were marked above;
        // without names, reload every realm that shows users.
        if (!change.realmIds?.length) {
          for (const n of this.nodes.values()) {
            if (n.users) {
              n.stale = true;
              dirty.add(n);
            }
          }
        }
        break;
      }
      if (shown?.parent) {
        if (now && now.category === 'external' && now.realmId === shown.parent.realm.id) {
          shown.user = now;
          dirty.add(shown);
        } else {
          shown.parent.stale = true;
          dirty.add(shown.parent);
        }
      }
      if (now && now.category === 'external' && now.realmId !== undefined && now.realmId !== shown?.parent?.realm.id) {
        const target = this.nodes.get(now.realmId);
        if (target) {
          target.stale = true;
          dirty.add(target);
        }
      }
    }
    // A redrawn realm reloads its children; its own user nodes need no separate event.
    const events = [...dirty].filter((n) => n.kind === 'realm' || !n.parent || !dirty.has(n.parent));
    if (events.length > 0) {
      this.emitter.fire(events);
    }
  }

  dispose(): void {
    this.emitter.dispose();
  }

  private async loadRealms(): Promise<TreeNode[]> {
    const reason = this.host.unavailableReason();
    if (reason) {
      this.host.setContext('ldapUsers.realmsLoaded', false);
      return [];
    }
    try {
      const realms = await this.host.backend.request(RealmList, {});
      this.reconcile(realms);
      this.loaded = true;
    } catch (err) {
      this.host.reportError(err, 'Loading the directories');
    }
    this.host.setContext('ldapUsers.realmsLoaded', true);
    this.host.setContext('ldapUsers.hasRealms', this.nodes.size > 0);
    return [...this.nodes.values()];
  }

  /** Keeps node objects for realms that still exist (VS Code tracks nodes by identity). */
  private reconcile(realms: Realm[]): void {
    const next = new Map<number, RealmNode>();
    for (const realm of [...realms].sort((a, b) => a.name.localeCompare(b.name))) {
      const existing = this.nodes.get(realm.id);
      if (existing) {
        existing.realm = realm;
        next.set(realm.id, existing);
      } else {
        next.set(realm.id, { kind: 'realm', realm, stale: false });
      }
    }
    this.nodes = next;
    this.host.setContext('ldapUsers.hasRealms', next.size > 0);
  }

  private async loadUsers(node: RealmNode, offset: number, limit: number): Promise<void> {
    const page = await this.host.backend.request(UserList, {
      realmId: node.realm.id,
      category: 'external',
      sort: { field: 'displayName', direction: 'asc' },
      offset,
      limit,
    });
    const fresh: UserNode[] = page.users.map((user) => ({ kind: 'user', view: 'realms', user, parent: node }));
    node.users = offset === 0 ? fresh : [...(node.users ?? []), ...fresh];
    node.total = page.total;
    node.stale = false;
  }

  private findUser(userId: number): UserNode | undefined {
    for (const n of this.nodes.values()) {
      const found = n.users?.find((u) => u.user.id === userId);
      if (found) {
        return found;
      }
    }
    return undefined;
  }
}

export function childrenOf(node: RealmNode): TreeNode[] {
  const users = node.users ?? [];
  const total = node.total ?? users.length;
  if (users.length < total) {
    return [...users, { kind: 'loadMore', view: 'realms', parent: node, loaded: users.length, total }];
  }
  return users;
}
