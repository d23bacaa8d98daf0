// Matching LDAP entries in the Resynchronize dialog: the entry holding the user's directory UUID
// is the user (whatever its name now); entries that only share the username come after it.
import type { DirectoryEntry, User } from '../../protocol/model';

export function isUuidMatch(entry: DirectoryEntry, user: Pick<User, 'ldapUuid'>): boolean {
  return !!user.ldapUuid && !!entry.uuid && entry.uuid.toLowerCase() === user.ldapUuid.toLowerCase();
}

/** UUID match first, then the backend's order (stable). */
export function orderCandidates(entries: DirectoryEntry[], user: Pick<User, 'ldapUuid'>): DirectoryEntry[] {
  return entries
    .map((e, i) => ({ e, i, match: isUuidMatch(e, user) }))
    .sort((a, b) => Number(b.match) - Number(a.match) || a.i - b.i)
    .map((x) => x.e);
}

export function candidateLabel(entry: DirectoryEntry): string {
  const name = entry.displayName && entry.displayName !== entry.username ? ` — ${entry.displayName}` : '';
  const email = entry.email ? ` <${entry.email}>` : '';
  return `${entry.username}${name}${email}`;
}
