// What an LDAP entry says about an external user, and how that differs from the user's row.
// Import, user resync and realm resync all decide "updated or unchanged" with diffUserAgainstEntry,
// so re-importing the same selection reports 0 updated and writes nothing.
import { userInfoFields, type DirectoryEntry, type FieldChange } from '../../protocol/model';

/** What the directory says about an entry, before it is compared with the registry. */
export type EntryData = Omit<DirectoryEntry, 'status' | 'userId' | 'conflict'>;

/** The user columns an LDAP entry provides (names as in the `User` DTO). */
export interface LinkedUserState {
  username: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  email: string | null;
  department: string | null;
  title: string | null;
  phone: string | null;
  ldapUuid: string | null;
  ldapDn: string | null;
  ldapDisabled: boolean;
  missingSince: string | null;
}

/** The fields compared and written, in the order a report lists them. */
export const linkedFields = [
  ...userInfoFields,
  'ldapUuid',
  'ldapDn',
  'ldapDisabled',
  'missingSince',
] as const satisfies readonly (keyof LinkedUserState)[];
export type LinkedField = (typeof linkedFields)[number];

/** An absent LDAP attribute is stored as NULL, not as an empty string. */
function optional(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/** The state a user row has once it is synchronized with `entry` (found in LDAP, so not missing). */
export function stateFromEntry(entry: EntryData): LinkedUserState {
  return {
    username: entry.username,
    // A directory without a display name still gives the registry something to show.
    displayName: entry.displayName || entry.username,
    givenName: optional(entry.givenName),
    surname: optional(entry.surname),
    email: optional(entry.email),
    department: optional(entry.department),
    title: optional(entry.title),
    phone: optional(entry.phone),
    ldapUuid: entry.uuid,
    ldapDn: entry.dn,
    ldapDisabled: entry.disabled,
    missingSince: null,
  };
}

function normalised(field: LinkedField, value: unknown): string | boolean | null {
  if (field === 'ldapDisabled') return Boolean(value);
  if (value === undefined || value === null || value === '') return null;
  return String(value);
}

/** Field changes turning `before` into `after`, in `linkedFields` order; [] when they agree. */
export function diffLinkedState(before: Partial<LinkedUserState>, after: LinkedUserState): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of linkedFields) {
    const was = normalised(field, before[field]);
    const now = normalised(field, after[field]);
    if (was !== now) changes.push({ field, before: was, after: now });
  }
  return changes;
}

/** Field changes a resync/import from `entry` would make to the user row `user`. */
export function diffUserAgainstEntry(user: Partial<LinkedUserState>, entry: EntryData): FieldChange[] {
  return diffLinkedState(user, stateFromEntry(entry));
}

/** Separates the fields of a {@link linkedDigest}; a value containing it has no digest. */
const digestSeparator = '\u001f';

/**
 * One string standing for the LDAP-provided columns of a user that is not missing: two users
 * with equal digests have no field changes between them (same normalisation as
 * diffLinkedState). The SQL twin is userRows.linkedDigestSql; realm resync compares digests to
 * skip the unchanged majority without decoding every column. Undefined when a value contains
 * the separator (the caller then compares field by field).
 */
export function linkedDigest(state: LinkedUserState): string | undefined {
  const parts = [
    state.username,
    state.displayName,
    state.givenName ?? '',
    state.surname ?? '',
    state.email ?? '',
    state.department ?? '',
    state.title ?? '',
    state.phone ?? '',
    state.ldapUuid ?? '',
    state.ldapDn ?? '',
  ];
  for (const part of parts) if (part.includes(digestSeparator)) return undefined;
  return parts.join(digestSeparator) + digestSeparator + (state.ldapDisabled ? '1' : '0');
}
