// Reading users from a realm's directory: the complete read that import and resync rely on
// ("fetch completely, then write once"), and the limited read behind realm/search. Every page is
// requested with the paged-results control (never a client sizeLimit, which truncates silently);
// a read that fails, loses its binding or is cancelled throws — the caller never gets a partial
// result that looks complete. A limited read says `truncated` when it stopped at its limit.
import type { Filter } from 'ldapts';
import type { AttributeMap, RealmKind } from '../../protocol/model';
import { withDirectorySession, type DirectorySession, type SessionRealm } from '../ldap/directorySession';
import { mapEntry, requestedAttributes, type MappedEntry, type UnmappableEntry } from '../ldap/entryMapping';
import { andWithUserFilter } from '../ldap/searchFilters';

/** What reading needs to know about a realm (a saved Realm satisfies it). */
export interface DirectoryRealm extends SessionRealm {
  kind: RealmKind;
  userFilter: string;
  attributes: AttributeMap;
}

export interface DirectoryReadOptions {
  /** The bind password (never stored). */
  password: string | undefined;
  signal?: AbortSignal;
  /** After each page: how many entries were read so far. */
  onProgress?: (read: number) => void;
  /** Filter to send (already ANDed with the user filter); default: the realm's user filter. */
  filter?: Filter;
  /** Stop after this many entries and report `truncated` (realm/search). Absent: read everything. */
  limit?: number;
  /** Additional attributes to request (e.g. '*' for the raw attributes of user/get). */
  extraAttributes?: string[];
  /**
   * Keeps only part of each entry's raw attributes, applied as each page arrives: a complete read
   * of 100,000 entries would otherwise hold every value twice (mapped fields + raw text) until the
   * caller reduced them. Absent: every raw attribute is kept.
   */
  keepRaw?: (rawAttributes: Record<string, string[]>) => Record<string, string[]> | undefined;
}

export interface DirectoryRead {
  entries: MappedEntry[];
  /** Entries that cannot become users (no UUID or username), with the reason. */
  unmappable: UnmappableEntry[];
  /** True only for a limited read that had more entries than its limit. */
  truncated: boolean;
  elapsedMs: number;
}

/** Reads within an open session (lets callers combine reads and lookups on one connection). */
export async function readEntriesInSession(session: DirectorySession, realm: DirectoryRealm, options: Omit<DirectoryReadOptions, 'password' | 'signal'>): Promise<DirectoryRead> {
  const started = performance.now();
  const filter = options.filter ?? andWithUserFilter(realm, undefined);
  const wanted = requestedAttributes(realm, options.extraAttributes);
  const limit = options.limit;
  const keepRaw = options.keepRaw;
  // A small limit needs no big pages; one more than the limit tells whether there were more.
  const pageSize = limit !== undefined ? Math.max(1, Math.min(realm.pageSize, limit + 1)) : realm.pageSize;
  const entries: MappedEntry[] = [];
  const unmappable: UnmappableEntry[] = [];
  let read = 0;
  let truncated = false;
  pages: for await (const page of session.pages({ filter, ...wanted, pageSize })) {
    for (const raw of page) {
      if (limit !== undefined && read >= limit) {
        truncated = true;
        break pages;
      }
      read++;
      const mapped = mapEntry(raw, realm);
      if (mapped.ok) entries.push({ entry: mapped.entry, rawAttributes: keepRaw ? (keepRaw(mapped.rawAttributes) ?? {}) : mapped.rawAttributes });
      else unmappable.push({ dn: mapped.dn, ...(mapped.username ? { username: mapped.username } : {}), reason: mapped.reason });
    }
    options.onProgress?.(read);
  }
  return { entries, unmappable, truncated, elapsedMs: Math.round(performance.now() - started) };
}

/**
 * Opens a session, reads, closes. Without `limit` this is the complete read of every entry the
 * filter matches (all pages, or an error). Errors are ResponseErrors (1101–1106, 1002/1003, or
 * RequestCancelled).
 */
export function readDirectoryEntries(realm: DirectoryRealm, options: DirectoryReadOptions): Promise<DirectoryRead> {
  return withDirectorySession(realm, { password: options.password, signal: options.signal }, (session) =>
    readEntriesInSession(session, realm, options),
  );
}

/** Every user of the realm (its user filter, all pages): the read behind import-all and realm resync. */
export function readAllUsers(realm: DirectoryRealm, options: Omit<DirectoryReadOptions, 'filter' | 'limit'>): Promise<DirectoryRead> {
  return readDirectoryEntries(realm, options);
}
