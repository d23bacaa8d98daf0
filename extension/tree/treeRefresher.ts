// Turns `store/didChange` notifications into redraws of just the changed nodes. Bursts are merged
// (an import sends one notification per batch), and the changed users are fetched once for both
// views when there are few enough of them to look at one by one.
import type { User } from '../../protocol/model';
import { StoreDidChange, UserGet } from '../../protocol/rpc';
import type { BackendClient } from '../backend/backendClient';
import type { RealmsTreeProvider } from './realmsTree';
import type { StoreChange } from './storeChange';
import type { UsersTreeProvider } from './usersTree';

const maxLookups = 25;

/** Merges two changes; an empty list ("everything") wins. */
export function mergeChanges(a: StoreChange | undefined, b: StoreChange): StoreChange {
  if (!a) {
    return { realmIds: b.realmIds ? [...b.realmIds] : undefined, userIds: b.userIds ? [...b.userIds] : undefined };
  }
  const everything = (c: StoreChange) => !c.realmIds?.length && !c.userIds?.length;
  if (everything(a) || everything(b)) {
    return {};
  }
  const union = (x?: number[], y?: number[]) => (x || y ? [...new Set([...(x ?? []), ...(y ?? [])])] : undefined);
  return { realmIds: union(a.realmIds, b.realmIds), userIds: union(a.userIds, b.userIds) };
}

export class TreeRefresher {
  private pending: StoreChange | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly backend: BackendClient,
    private readonly realms: RealmsTreeProvider,
    private readonly users: UsersTreeProvider,
    private readonly delayMs = 100,
  ) {
    this.subscription = backend.onNotification(StoreDidChange, (change) => this.queue(change));
  }

  queue(change: StoreChange): void {
    this.pending = mergeChanges(this.pending, change);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const next = this.pending;
      this.pending = undefined;
      if (next) {
        void this.apply(next);
      }
    }, this.delayMs);
  }

  async apply(change: StoreChange): Promise<void> {
    const ids = change.userIds ?? [];
    let users: Map<number, User | null> | undefined = new Map();
    if (ids.length > maxLookups) {
      users = undefined;
    } else {
      const found = await Promise.all(
        ids.map((userId) =>
          this.backend.request(UserGet, { userId }).then(
            (d) => d.user,
            () => null,
          ),
        ),
      );
      ids.forEach((id, i) => users!.set(id, found[i] ?? null));
    }
    await this.realms.applyChange(change, users);
    this.users.applyChange(change, users);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
  }
}
