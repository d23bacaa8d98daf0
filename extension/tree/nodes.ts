// The elements of the two tree views. Plain data (no vscode), shared by the tree providers and
// the command argument resolution.
import type { Realm, User } from '../../protocol/model';

export type ViewName = 'realms' | 'users';

export interface RealmNode {
  kind: 'realm';
  realm: Realm;
  /** External users loaded so far (pages of `pageSize`); undefined until first expanded. */
  users?: UserNode[];
  total?: number;
  /** Set when the realm's users changed: the next expansion reloads as many as were shown. */
  stale: boolean;
  /** Why the last contact with this directory failed (cannot connect / timeout), this session. */
  unreachable?: string;
}

export interface UserNode {
  kind: 'user';
  view: ViewName;
  user: User;
  /** The realm node it is listed under (Realms view only). */
  parent?: RealmNode;
}

export interface LoadMoreNode {
  kind: 'loadMore';
  view: ViewName;
  parent?: RealmNode;
  loaded: number;
  total: number;
}

export type TreeNode = RealmNode | UserNode | LoadMoreNode;
