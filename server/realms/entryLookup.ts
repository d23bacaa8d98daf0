// Finding specific entries of a realm again — by identity (uuid), DN or username — for import,
// user resync and conversion. Each lookup is restricted to the realm's user filter, base and
// scope, so an entry outside the realm is "not found", never silently imported. Identities go
// out as equality filters (raw bytes for an objectGUID), many per request.
import { EqualityFilter, type Filter, OrFilter } from 'ldapts';
import { withDirectorySession, type DirectorySession } from '../ldap/directorySession';
import { mapEntry, requestedAttributes, type MappedEntry } from '../ldap/entryMapping';
import { guidBytesToText, guidTextToBytes, identityFilter, isBinaryGuidAttribute, isGuidText } from '../ldap/guid';
import { andWithUserFilter } from '../ldap/searchFilters';
import type { DirectoryRealm } from './directoryReader';

export interface EntryReference {
  uuid?: string;
  dn?: string;
  username?: string;
}

export type LookupResult =
  | { ref: EntryReference; found: MappedEntry }
  | { ref: EntryReference; problem: string };

export interface LookupOptions {
  password: string | undefined;
  signal?: AbortSignal;
  /** After each batch: how many references were resolved so far. */
  onProgress?: (done: number, total: number) => void;
  extraAttributes?: string[];
}

const batchSize = 100;

function describeRef(ref: EntryReference): string {
  if (ref.uuid) return `uuid ${ref.uuid}`;
  if (ref.dn) return `DN ${ref.dn}`;
  return `username ${ref.username ?? '(none)'}`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function searchAll(session: DirectorySession, realm: DirectoryRealm, filter: Filter, extra?: string[]): Promise<ReturnType<typeof mapEntry>[]> {
  const wanted = requestedAttributes(realm, extra);
  const results: ReturnType<typeof mapEntry>[] = [];
  for await (const page of session.pages({ filter: andWithUserFilter(realm, filter), ...wanted })) {
    for (const raw of page) results.push(mapEntry(raw, realm));
  }
  return results;
}

/** Resolves references inside an open session. uuid wins over dn, dn over username. */
export async function lookupEntriesInSession(
  session: DirectorySession,
  realm: DirectoryRealm,
  refs: readonly EntryReference[],
  options: Pick<LookupOptions, 'onProgress' | 'extraAttributes'> = {},
): Promise<LookupResult[]> {
  const results: (LookupResult | undefined)[] = refs.map(() => undefined);
  const total = refs.length;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    options.onProgress?.(done, total);
  };
  const uuidAttr = realm.attributes.uuid;
  const binary = isBinaryGuidAttribute(uuidAttr);

  // By uuid, in batches of OR-ed equality filters.
  const byUuid: number[] = [];
  refs.forEach((ref, i) => {
    if (!ref.uuid) return;
    if (binary && !isGuidText(ref.uuid)) {
      results[i] = { ref, problem: `"${ref.uuid}" is not a GUID (the realm identifies entries by ${uuidAttr}).` };
    } else byUuid.push(i);
  });
  for (const batch of chunks(byUuid, batchSize)) {
    const filters = batch.map((i) => identityFilter(uuidAttr, refs[i].uuid!));
    const found = await searchAll(session, realm, filters.length === 1 ? filters[0] : new OrFilter({ filters }), options.extraAttributes);
    const byKey = new Map<string, ReturnType<typeof mapEntry>>();
    for (const m of found) if (m.ok) byKey.set(m.entry.uuid.toLowerCase(), m);
    for (const i of batch) {
      const ref = refs[i];
      const key = binary ? guidKey(ref.uuid!) : ref.uuid!.toLowerCase();
      const m = byKey.get(key);
      results[i] = m && m.ok ? { ref, found: { entry: m.entry, rawAttributes: m.rawAttributes } } : { ref, problem: `No entry with ${uuidAttr} ${ref.uuid} matches the realm's base DN and user filter (deleted, moved out of scope, or filtered out).` };
    }
    progress(batch.length);
  }

  // By DN, one base-scope read each (still ANDed with the user filter).
  const wanted = requestedAttributes(realm, options.extraAttributes);
  const userFilter = andWithUserFilter(realm, undefined);
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i];
    if (results[i] || ref.uuid || !ref.dn) continue;
    const raw = await session.entryAt(ref.dn, userFilter, wanted.attributes, wanted.explicitBufferAttributes);
    if (!raw) {
      results[i] = { ref, problem: `No entry ${ref.dn} matching the realm's user filter exists.` };
    } else {
      const m = mapEntry(raw, realm);
      results[i] = m.ok ? { ref, found: { entry: m.entry, rawAttributes: m.rawAttributes } } : { ref, problem: m.reason };
    }
    progress(1);
  }

  // By username, in batches.
  const byName: number[] = [];
  refs.forEach((ref, i) => {
    if (!results[i] && !ref.uuid && !ref.dn && ref.username) byName.push(i);
  });
  for (const batch of chunks(byName, batchSize)) {
    const filters = batch.map((i) => new EqualityFilter({ attribute: realm.attributes.username, value: refs[i].username! }));
    const found = await searchAll(session, realm, filters.length === 1 ? filters[0] : new OrFilter({ filters }), options.extraAttributes);
    for (const i of batch) {
      const ref = refs[i];
      const name = ref.username!.toLowerCase();
      const matches = found.filter((m) => (m.ok ? m.entry.username : (m.username ?? '')).toLowerCase() === name);
      if (matches.length === 0) {
        results[i] = { ref, problem: `No entry with ${realm.attributes.username} "${ref.username}" matches the realm's base DN and user filter.` };
      } else if (matches.length > 1) {
        results[i] = { ref, problem: `${matches.length} entries have ${realm.attributes.username} "${ref.username}"; choose one by its uuid or DN.` };
      } else {
        const m = matches[0];
        results[i] = m.ok ? { ref, found: { entry: m.entry, rawAttributes: m.rawAttributes } } : { ref, problem: m.reason };
      }
    }
    progress(batch.length);
  }

  return results.map((r, i) => r ?? { ref: refs[i], problem: `The reference has no uuid, dn or username (${describeRef(refs[i])}).` });
}

/** A GUID's canonical text (lower case, no braces), through its bytes. */
function guidKey(text: string): string {
  return guidBytesToText(guidTextToBytes(text));
}

/** Opens a session, resolves every reference, closes. Throws ResponseErrors on directory failures. */
export function lookupEntries(realm: DirectoryRealm, refs: readonly EntryReference[], options: LookupOptions): Promise<LookupResult[]> {
  return withDirectorySession(realm, { password: options.password, signal: options.signal }, (session) =>
    lookupEntriesInSession(session, realm, refs, options),
  );
}

/**
 * Candidates for relinking one user (user/resyncCandidates): the entry with its uuid first, then
 * entries with its username; duplicates removed.
 */
export async function findCandidates(
  realm: DirectoryRealm,
  user: { uuid?: string; username?: string },
  options: Omit<LookupOptions, 'onProgress'>,
): Promise<MappedEntry[]> {
  return withDirectorySession(realm, { password: options.password, signal: options.signal }, async (session) => {
    const out: MappedEntry[] = [];
    const seen = new Set<string>();
    const add = (m: ReturnType<typeof mapEntry>) => {
      if (m.ok && !seen.has(m.entry.uuid)) {
        seen.add(m.entry.uuid);
        out.push({ entry: m.entry, rawAttributes: m.rawAttributes });
      }
    };
    if (user.uuid && (!isBinaryGuidAttribute(realm.attributes.uuid) || isGuidText(user.uuid))) {
      for (const m of await searchAll(session, realm, identityFilter(realm.attributes.uuid, user.uuid), options.extraAttributes)) add(m);
    }
    if (user.username) {
      for (const m of await searchAll(session, realm, new EqualityFilter({ attribute: realm.attributes.username, value: user.username }), options.extraAttributes)) add(m);
    }
    return out;
  });
}
