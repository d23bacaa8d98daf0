// What import and resync read from a realm's directory, on top of the LDAP layer (sessions,
// filters, entry mapping): the complete user population (paged, cancellable, all-or-error), or
// the few entries a request names. Nothing here writes; callers apply once the read is complete.
import type { CancellationToken } from 'vscode-jsonrpc';
import type { Realm } from '../../protocol/model';
import type { EntryRef } from '../../protocol/rpc';
import type { BackendContext } from '../backendContext';
import type { UnmappableEntry } from '../ldap/entryMapping';
import { readAllUsers } from '../realms/directoryReader';
import { findCandidates, lookupEntries } from '../realms/entryLookup';
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

/**
 * The raw attributes worth storing for an entry: those the attribute map does not already put
 * into user columns (account-state attributes, extra values). The user detail view rebuilds the
 * mapped ones from the columns, so a 100k-user registry does not store every value twice.
 */
export function extraAttributesOf(realm: Realm): (raw: Record<string, string[]>) => Record<string, string[]> | undefined {
  const mapped = new Set(Object.values(realm.attributes).map((name) => name.toLowerCase()));
  return (raw) => {
    let extras: Record<string, string[]> | undefined;
    for (const name in raw) {
      const values = raw[name];
      if (values.length <= 1 && mapped.has(name.toLowerCase())) continue;
      (extras ??= {})[name] = values;
    }
    return extras;
  };
}

/** An AbortSignal that fires when the JSON-RPC request is cancelled. */
function signalOf(token: CancellationToken | undefined): { signal?: AbortSignal; dispose: () => void } {
  if (!token) return { dispose: () => undefined };
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const listener = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener.dispose() };
}

/** Runs an LDAP read with the realm's password (from the client) and the request's cancellation. */
async function withRealmAccess<T>(
  ctx: BackendContext,
  realm: Realm,
  token: CancellationToken | undefined,
  use: (access: { password: string | undefined; signal?: AbortSignal }) => Promise<T>,
): Promise<T> {
  const password = await ctx.requestSecret({ realmId: realm.id, url: realm.url, bindDn: realm.bindDn }, token);
  const { signal, dispose } = signalOf(token);
  try {
    return await use({ password, signal });
  } finally {
    dispose();
  }
}

/**
 * Every entry the realm's user filter matches, read page by page. Resolves only when the last
 * page arrived on a still-bound connection; any failure (server gone, bind lost, timeout, size
 * limit, cancellation) rejects, so a partial population is never mistaken for the whole.
 */
export async function readRealmPopulation(ctx: BackendContext, realm: Realm, options: ReadOptions = {}): Promise<DirectoryRead> {
  // Raw attributes are cut down to the extras as each page arrives (memory of a 100k-user read).
  const extraAttributes = extraAttributesOf(realm);
  const read = await withRealmAccess(ctx, realm, options.token, (access) =>
    readAllUsers(realm, { ...access, onProgress: options.onProgress, keepRaw: extraAttributes }),
  );
  const out: DirectoryRead = { entries: [], raw: new Map(), unmappable: read.unmappable };
  for (const { entry, rawAttributes } of read.entries) {
    out.entries.push(entry);
    if (Object.keys(rawAttributes).length > 0) out.raw.set(entry, rawAttributes);
  }
  return out;
}

export interface ResolvedRefs {
  entries: EntryData[];
  raw: Map<EntryData, Record<string, string[]>>;
  failures: { username?: string; dn?: string; reason: string }[];
}

/**
 * The entries a request names. `bulk`: one paged read of the whole population, refs matched in
 * memory (thousands of refs); otherwise targeted lookups (a few refs).
 */
export async function resolveEntryRefs(
  ctx: BackendContext,
  realm: Realm,
  refs: readonly EntryRef[],
  options: ReadOptions & { bulk: boolean },
): Promise<ResolvedRefs> {
  const out: ResolvedRefs = { entries: [], raw: new Map(), failures: [] };
  if (options.bulk) {
    const read = await readRealmPopulation(ctx, realm, options);
    for (const resolution of resolveRefs(realm, refs, read)) {
      if ('entry' in resolution) {
        out.entries.push(resolution.entry);
        const extras = read.raw.get(resolution.entry);
        if (extras) out.raw.set(resolution.entry, extras);
      } else out.failures.push(resolution.failure);
    }
    return out;
  }
  const results = await withRealmAccess(ctx, realm, options.token, (access) =>
    lookupEntries(realm, refs, { ...access, onProgress: (done) => options.onProgress?.(done) }),
  );
  const extraAttributes = extraAttributesOf(realm);
  for (const result of results) {
    if ('found' in result) {
      out.entries.push(result.found.entry);
      const extras = extraAttributes(result.found.rawAttributes);
      if (extras) out.raw.set(result.found.entry, extras);
    } else {
      out.failures.push({
        ...(result.ref.username ? { username: result.ref.username } : {}),
        ...(result.ref.dn ? { dn: result.ref.dn } : {}),
        reason: result.problem,
      });
    }
  }
  return out;
}

/** Resync candidates of one user: the entry with its UUID first, then those with its username. */
export async function readCandidates(
  ctx: BackendContext,
  realm: Realm,
  user: { uuid?: string; username: string },
  token: CancellationToken | undefined,
): Promise<{ entry: EntryData; raw?: Record<string, string[]> }[]> {
  const found = await withRealmAccess(ctx, realm, token, (access) => findCandidates(realm, user, access));
  const extraAttributes = extraAttributesOf(realm);
  return found.map((m) => ({ entry: m.entry, raw: extraAttributes(m.rawAttributes) }));
}

/** DNs compare case-insensitively and without spaces around separators (good enough to match refs). */
export function dnKey(dn: string): string {
  return dn.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();
}

export type RefResolution = { ref: EntryRef; entry: EntryData } | { ref: EntryRef; failure: { username?: string; dn?: string; reason: string } };

/** Matches each ref to an entry of the read (UUID, then DN, then username). */
export function resolveRefs(realm: Realm, refs: readonly EntryRef[], read: DirectoryRead): RefResolution[] {
  // Only the indexes the refs need: an "import all" sends UUIDs only.
  const wantDn = refs.some((r) => !r.uuid && r.dn);
  const wantName = refs.some((r) => !r.uuid && !r.dn && r.username);
  const byUuid = new Map<string, EntryData>();
  const byDn = new Map<string, EntryData>();
  const byName = new Map<string, EntryData>();
  for (const entry of read.entries) {
    byUuid.set(entry.uuid.toLowerCase(), entry);
    if (wantDn) byDn.set(dnKey(entry.dn), entry);
    if (wantName) byName.set(entry.username.toLowerCase(), entry);
  }
  const unmappableByDn = new Map(read.unmappable.map((u) => [dnKey(u.dn), u]));
  const unmappableByName = new Map(read.unmappable.filter((u) => u.username).map((u) => [u.username!.toLowerCase(), u]));
  return refs.map((ref) => {
    const entry = ref.uuid ? byUuid.get(ref.uuid.toLowerCase()) : ref.dn ? byDn.get(dnKey(ref.dn)) : ref.username ? byName.get(ref.username.toLowerCase()) : undefined;
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
