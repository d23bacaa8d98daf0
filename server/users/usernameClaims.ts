// Usernames are unique (case-insensitively) across the registry. A plan renames and creates
// users in one transaction, so it tracks which name each row will hold afterwards: a rename
// frees the old name for a later create, and two entries never end up with the same name.
import { usernameKey, type RegistryUser, type RegistryView } from './registryView';

/** Who holds a name in the planned end state. */
export type NameHolder = { kind: 'user'; user: RegistryUser } | { kind: 'planned'; username: string };

export class UsernameClaims {
  /** Names whose holder differs from the registry's: a holder, or null once released. */
  private readonly overrides = new Map<string, NameHolder | null>();

  constructor(private readonly registry: RegistryView) {}

  holder(username: string): NameHolder | undefined {
    const key = usernameKey(username);
    if (this.overrides.has(key)) return this.overrides.get(key) ?? undefined;
    const user = this.registry.userByUsername(username);
    return user ? { kind: 'user', user } : undefined;
  }

  /** True when `username` is free, or already held by `userId` itself. */
  isFreeFor(username: string, userId?: number): boolean {
    const holder = this.holder(username);
    return holder === undefined || (holder.kind === 'user' && holder.user.id === userId);
  }

  claimForUser(username: string, user: RegistryUser): void {
    this.overrides.set(usernameKey(username), { kind: 'user', user });
  }

  claimForNewUser(username: string): void {
    this.overrides.set(usernameKey(username), { kind: 'planned', username });
  }

  release(username: string): void {
    this.overrides.set(usernameKey(username), null);
  }
}

/** Why `username` cannot be used, written for the administrator. */
export function describeNameConflict(username: string, holder: NameHolder, realmId: number): string {
  if (holder.kind === 'planned') {
    return `username "${username}" is used by another entry of the same request (${holder.username}); import them separately after fixing the directory`;
  }
  const user = holder.user;
  if (user.category === 'internal') {
    return `username "${username}" is already used by internal user "${user.username}" (id ${user.id}); convert that user to external and link it to this entry, or rename one of them`;
  }
  if (user.realmId !== realmId) {
    return `username "${username}" is already used by "${user.username}" (id ${user.id}), imported from another realm${user.realmId != null ? ` (realm ${user.realmId})` : ''}`;
  }
  return `username "${username}" is already used by "${user.username}" (id ${user.id}), linked to a different entry of this realm (uuid ${user.ldapUuid ?? 'none'}); resynchronize that user to relink it if the entry was re-created`;
}
