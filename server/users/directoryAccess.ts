// What import and resync read from a realm's directory, on top of the LDAP layer (sessions,
// filters, entry mapping): the complete user population (paged, cancellable, all-or-error), or
// the few entries a request names. Nothing here writes; callers apply once the read is complete.
import { OrFilter, type Filter } from 'ldapts';
import type { CancellationToken } from 'vscode-jsonrpc';
import type { Realm } from '../../protocol/model';
import type { EntryRef } from '../../protocol/rpc';
import type { BackendContext } from '../backendContext';
import { withDirectorySession, type DirectorySession } from '../ldap/directorySession';
import { mapEntry, requestedAttributes, type UnmappableEntry } from '../ldap/entryMapping';
import { identityFilter, isBinaryGuidAttribute, isGuidText } from '../ldap/guid';
import { andWithUserFilter, usernameFilter } from '../ldap/searchFilters';
import type { EntryData } from './entryDiff';

export interface DirectoryRead {
  entries: EntryData[];
  /** Raw attributes of each entry (as text), for the user detail view. */
  raw: Map<EntryData, Record<string, string[]>>;
  /** Entries that match the user filter but cannot be linked (no UUID / username). */
  unmappable: UnmappableEntry[];
}

export interface ReadOptions {
  token?: CancellationToken;
  /** Called after each page with the number of entries read so far. */
  onProgress?: (read: number) => void;
}

/** An AbortSignal that fires when the JSON-RPC request is cancelled. */
function signalOf(token: CancellationToken | undefined): { signal?: AbortSignal; dispose: () => void } {
  if (!token) return { dispose: () => undefined };
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const listener = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener.dispose() };
}

/** Opens a bound session on the realm with the password the client holds for it. */
export async function withRealmSession<T>(
  ctx: BackendContext,
  realm: Realm,
  token: CancellationToken | undefined,
  use: (session: DirectorySession) => Promise<T>,
): Promise<T> {
  const password = await ctx.requestSecret({ realmId: realm.id, url: realm.url, bindDn: realm.bindDn }, token);
  const { signal, dispose } = signalOf(token);
  try {
    return await withDirectorySession(realm, { password, signal }, use);
  } finally {
    dispose();
  }
}

function emptyRead(): DirectoryRead {
  return { entries: [], raw: new Map(), unmappable: [] };
}

async function collect(session: DirectorySession, realm: Realm, filter: Filter, read: DirectoryRead, options: ReadOptions): Promise<void> {
  const { attributes, explicitBufferAttributes } = requestedAttributes(realm);
  for await (const page of session.pages({ filter, attributes, explicitBufferAttributes })) {
    for (const ldapEntry of page) {
      const mapped = mapEntry(ldapEntry, realm);
      if (mapped.ok) {
        read.entries.push(mapped.entry);
        read.raw.set(mapped.entry, mapped.rawAttributes);
      } else {
        read.unmappable.push({ dn: mapped.dn, username: mapped.username, reason: mapped.reason });
      }
    }
    options.onProgress?.(read.entries.length + read.unmappable.length);
  }
}

/**
 * Every entry the realm's user filter matches, read page by page. Resolves only when the last
 * page arrived on a still-bound connection; any failure (server gone, bind lost, timeout, size
 * limit, cancellation) rejects, so a partial population is never mistaken for the whole.
 */
export async function readRealmPopulation(ctx: BackendContext, realm: Realm, options: ReadOptions = {}): Promise<DirectoryRead> {
  return withRealmSession(ctx, realm, options.token, async (session) => {
    const read = emptyRead();
    await collect(session, realm, andWithUserFilter(realm, undefined), read, options);
    return read;
  });
}

/** Refs per search when reading named entries (keeps filters well under server limits). */
const refsPerSearch = 100;

/** The entries a request names (by UUID, DN or username), read with targeted searches. */
export async function readNamedEntries(ctx: BackendContext, realm: Realm, refs: readonly EntryRef[], options: ReadOptions = {}): Promise<DirectoryRead> {
  return withRealmSession(ctx, realm, options.token, (session) => readNamedWithSession(session, realm, refs, options));
}

export async function readNamedWithSession(
  session: DirectorySession,
  realm: Realm,
  refs: readonly EntryRef[],
  options: ReadOptions = {},
): Promise<DirectoryRead> {
  const read = emptyRead();
  const filters: Filter[] = [];
  const dns: string[] = [];
  for (const ref of refs) {
    if (ref.uuid) {
      // A malformed GUID cannot be on the wire as bytes; it simply matches nothing.
      if (!isBinaryGuidAttribute(realm.attributes.uuid) || isGuidText(ref.uuid)) filters.push(identityFilter(realm.attributes.uuid, ref.uuid));
    } else if (ref.dn) dns.push(ref.dn);
    else if (ref.username) filters.push(usernameFilter(ref.username, realm.attributes, realm.kind));
  }
  for (let i = 0; i < filters.length; i += refsPerSearch) {
    const chunk = filters.slice(i, i + refsPerSearch);
    const filter = andWithUserFilter(realm, chunk.length === 1 ? chunk[0] : new OrFilter({ filters: chunk }));
    await collect(session, realm, filter, read, options);
  }
  if (dns.length > 0) {
    const userFilter = andWithUserFilter(realm, undefined);
    const { attributes, explicitBufferAttributes } = requestedAttributes(realm);
    for (const dn of dns) {
      const ldapEntry = await session.entryAt(dn, userFilter, attributes, explicitBufferAttributes);
      if (!ldapEntry) continue;
      const mapped = mapEntry(ldapEntry, realm);
      if (mapped.ok) {
        read.entries.push(mapped.entry);
        read.raw.set(mapped.entry, mapped.rawAttributes);
      } else read.unmappable.push({ dn: mapped.dn, username: mapped.username, reason: mapped.reason });
    }
  }
  return read;
}

/** DNs compare case-insensitively and without spaces around separators (good enough to match refs). */
export function dnKey(dn: string): string {
  return dn.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();
}

export type RefResolution = { ref: EntryRef; entry: EntryData } | { ref: EntryRef; failure: { username?: string; dn?: string; reason: string } };

/** Matches each ref to an entry of the read (UUID, then DN, then username). */
export function resolveRefs(realm: Realm, refs: readonly EntryRef[], read: DirectoryRead): RefResolution[] {
  const byUuid = new Map<string, EntryData>();
  const byDn = new Map<string, EntryData>();
  const byName = new Map<string, EntryData>();
  for (const entry of read.entries) {
    byUuid.set(entry.uuid.toLowerCase(), entry);
    byDn.set(dnKey(entry.dn), entry);
    byName.set(entry.username.toLowerCase(), entry);
  }
  const unmappableByDn = new Map(read.unmappable.map((u) => [dnKey(u.dn), u]));
  const unmappableByName = new Map(read.unmappable.filter((u) => u.username).map((u) => [u.username!.toLowerCase(), u]));
  return refs.map((ref) => {
    const entry =
      (ref.uuid ? byUuid.get(ref.uuid.toLowerCase()) : undefined) ??
      (ref.dn ? byDn.get(dnKey(ref.dn)) : undefined) ??
      (ref.username ? byName.get(ref.username.toLowerCase()) : undefined);
    if (entry) return { ref, entry };
    const unmappable = (ref.dn ? unmappableByDn.get(dnKey(ref.dn)) : undefined) ?? (ref.username ? unmappableByName.get(ref.username.toLowerCase()) : undefined);
    if (unmappable) return { ref, failure: { dn: unmappable.dn, username: unmappable.username, reason: unmappable.reason } };
    const named = ref.uuid ? `${realm.attributes.uuid} ${ref.uuid}` : ref.dn ? `DN ${ref.dn}` : `username "${ref.username}"`;
    return {
      ref,
      failure: {
        ...(ref.username ? { username: ref.username } : {}),
        ...(ref.dn ? { dn: ref.dn } : {}),
        reason: `No entry with ${named} was found in realm "${realm.name}": it was deleted, moved out of the base DN, or no longer matches the user filter. Search again.`,
      },
    };
  });
}
