// The slice of the user registry that import and resync planning needs, independent of how it
// is read: a bulk import or realm resync loads every user once into memory; a small import asks
// the database per entry. Planning is pure so that a dry run and the real run decide the same.
import type { UserCategory } from '../../protocol/model';
import type { LinkedUserState } from './entryDiff';

/** A user row as planning sees it. */
export interface RegistryUser extends LinkedUserState {
  id: number;
  category: UserCategory;
  realmId: number | null;
}

export interface RegistryView {
  /** The external user of `realmId` linked to the entry with this UUID. */
  userByUuid(realmId: number, uuid: string): RegistryUser | undefined;
  /** The user holding this username, compared case-insensitively. */
  userByUsername(username: string): RegistryUser | undefined;
}

/** UUIDs compare case-insensitively (entryUUID and GUID text forms differ only in case). */
export function uuidKey(uuid: string): string {
  return uuid.toLowerCase();
}
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** A RegistryView over users already in memory (bulk operations). */
export class InMemoryRegistry implements RegistryView {
  private readonly byUuid = new Map<string, RegistryUser>();
  private readonly byName = new Map<string, RegistryUser>();

  constructor(users: Iterable<RegistryUser>) {
    for (const user of users) {
      if (user.ldapUuid && user.realmId != null) this.byUuid.set(`${user.realmId}:${uuidKey(user.ldapUuid)}`, user);
      this.byName.set(usernameKey(user.username), user);
    }
  }

  userByUuid(realmId: number, uuid: string): RegistryUser | undefined {
    return this.byUuid.get(`${realmId}:${uuidKey(uuid)}`);
  }

  userByUsername(username: string): RegistryUser | undefined {
    return this.byName.get(usernameKey(username));
  }
}
