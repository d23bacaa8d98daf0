// Decides, without writing anything, what an import or a resync does to each user: create,
// update (with the field changes), leave unchanged, mark missing, or refuse (conflict / failed).
// The apply step executes a plan in one transaction; a dry run returns the plan's report.
import type { DirectoryEntry, FieldChange, OperationFailure, OperationReport } from '../../protocol/model';
import { diffLinkedState, linkedDigest, stateFromEntry, type EntryData, type LinkedUserState } from './entryDiff';
import { usernameKey, uuidKey, type RegistryUser, type RegistryView } from './registryView';
import { describeNameConflict, UsernameClaims } from './usernameClaims';

export type PlannedAction =
  | { kind: 'create'; entry: EntryData; state: LinkedUserState }
  | { kind: 'update'; entry?: EntryData; user: RegistryUser; state: LinkedUserState; changes: FieldChange[] }
  | { kind: 'unchanged'; entry?: EntryData; user: RegistryUser; missing?: boolean }
  | { kind: 'conflict'; entry: EntryData; user?: RegistryUser; reason: string }
  | { kind: 'failed'; entry?: EntryData; username?: string; dn?: string; reason: string };

export interface SyncPlan {
  actions: PlannedAction[];
  /** Users this plan newly marks missing (realm resync). */
  newlyMissing: number;
  /** Users not found in the directory, newly or still (realm resync). */
  missing: number;
}

export function missingUuidReason(uuidAttribute: string): string {
  return `the entry has no ${uuidAttribute} value, so it cannot be linked by identity; check that the realm's UUID attribute is "${uuidAttribute}" and that the bind user may read it`;
}

interface Matched {
  entry: EntryData;
  user: RegistryUser;
}

/**
 * Resolves matched users' renames and then the creates against the registry's usernames.
 * Renames go first (a rename can free a name a create needs); a rename blocked by a name that
 * another rename in the same plan frees is retried until nothing moves.
 */
function resolveNames(
  realmId: number,
  registry: RegistryView,
  matched: Matched[],
  creates: EntryData[],
  emit: (action: PlannedAction) => void,
): void {
  const claims = new UsernameClaims(registry);
  let pendingRenames: { m: Matched; state: LinkedUserState; changes: FieldChange[] }[] = [];
  for (const m of matched) {
    const state = stateFromEntry(m.entry);
    const changes = diffLinkedState(m.user, state);
    if (changes.length === 0) emit({ kind: 'unchanged', entry: m.entry, user: m.user });
    else if (usernameKey(state.username) === usernameKey(m.user.username)) {
      emit({ kind: 'update', entry: m.entry, user: m.user, state, changes });
    } else pendingRenames.push({ m, state, changes });
  }
  for (let progress = true; progress && pendingRenames.length > 0; ) {
    progress = false;
    const stillBlocked: typeof pendingRenames = [];
    for (const rename of pendingRenames) {
      if (claims.isFreeFor(rename.state.username, rename.m.user.id)) {
        claims.release(rename.m.user.username);
        claims.claimForUser(rename.state.username, rename.m.user);
        emit({ kind: 'update', entry: rename.m.entry, user: rename.m.user, state: rename.state, changes: rename.changes });
        progress = true;
      } else stillBlocked.push(rename);
    }
    pendingRenames = stillBlocked;
  }
  for (const rename of pendingRenames) {
    const holder = claims.holder(rename.state.username)!;
    emit({
      kind: 'conflict',
      entry: rename.m.entry,
      user: rename.m.user,
      reason: describeNameConflict(rename.state.username, holder, realmId),
    });
  }
  for (const entry of creates) {
    const holder = claims.holder(entry.username);
    if (holder) {
      emit({ kind: 'conflict', entry, reason: describeNameConflict(entry.username, holder, realmId) });
    } else {
      claims.claimForNewUser(entry.username);
      emit({ kind: 'create', entry, state: stateFromEntry(entry) });
    }
  }
}

/**
 * Import: every entry either creates an external user, updates the user linked to it (by UUID,
 * or by username for a user of this realm imported before its UUID was known), or is refused.
 */
export function planImport(
  realmId: number,
  entries: readonly EntryData[],
  registry: RegistryView,
  uuidAttribute: string,
): SyncPlan {
  const actions: PlannedAction[] = [];
  const seenUuids = new Set<string>();
  const linkedUserIds = new Set<number>();
  const matched: Matched[] = [];
  const creates: EntryData[] = [];
  for (const entry of entries) {
    if (!entry.uuid) {
      actions.push({ kind: 'failed', entry, username: entry.username, dn: entry.dn, reason: missingUuidReason(uuidAttribute) });
      continue;
    }
    if (!entry.username) {
      actions.push({ kind: 'failed', entry, dn: entry.dn, reason: 'the entry has no username value; check the realm\'s username attribute' });
      continue;
    }
    const key = uuidKey(entry.uuid);
    if (seenUuids.has(key)) continue; // the same entry selected twice
    seenUuids.add(key);
    let user = registry.userByUuid(realmId, entry.uuid);
    if (!user) {
      const byName = registry.userByUsername(entry.username);
      if (byName && byName.category === 'external' && byName.realmId === realmId && !byName.ldapUuid) user = byName;
    }
    if (user && !linkedUserIds.has(user.id)) {
      linkedUserIds.add(user.id);
      matched.push({ entry, user });
    } else creates.push(entry);
  }
  resolveNames(realmId, registry, matched, creates, (a) => actions.push(a));
  return { actions, newlyMissing: 0, missing: 0 };
}

/**
 * Realm resync: every external user of the realm is matched against the complete directory
 * read (UUID first, username for users without a stored UUID). Found → updated or unchanged
 * (and no longer missing); not found → marked missing at `now` (kept, roles intact). Entries
 * that match no user are not imported.
 */
export function planRealmResync(
  realmId: number,
  entries: readonly EntryData[],
  realmUsers: readonly RegistryUser[],
  registry: RegistryView,
  now: string,
): SyncPlan {
  const entriesByUuid = new Map<string, EntryData>();
  const entriesByName = new Map<string, EntryData>();
  // The username index only serves users imported before their UUID was known.
  const wantNames = realmUsers.some((user) => !user.ldapUuid);
  for (const entry of entries) {
    if (entry.uuid) entriesByUuid.set(uuidKey(entry.uuid), entry);
    if (wantNames && entry.username) entriesByName.set(usernameKey(entry.username), entry);
  }
  const linkedUuids = new Set<string>();
  if (wantNames) for (const user of realmUsers) if (user.ldapUuid && entriesByUuid.has(uuidKey(user.ldapUuid))) linkedUuids.add(uuidKey(user.ldapUuid));

  const actions: PlannedAction[] = [];
  const matched: Matched[] = [];
  let newlyMissing = 0;
  let missing = 0;
  for (const user of realmUsers) {
    let entry: EntryData | undefined;
    if (user.ldapUuid) entry = entriesByUuid.get(uuidKey(user.ldapUuid));
    else {
      const candidate = entriesByName.get(usernameKey(user.username));
      // An entry already linked to another user by UUID is not taken over by a name match.
      if (candidate && !(candidate.uuid && linkedUuids.has(uuidKey(candidate.uuid)))) entry = candidate;
    }
    if (entry) {
      matched.push({ entry, user });
      continue;
    }
    missing++;
    if (user.missingSince) {
      actions.push({ kind: 'unchanged', user, missing: true });
    } else {
      newlyMissing++;
      actions.push({
        kind: 'update',
        user,
        state: { ...user, missingSince: now },
        changes: [{ field: 'missingSince', before: null, after: now }],
      });
    }
  }
  resolveNames(realmId, registry, matched, [], (a) => actions.push(a));
  return { actions, newlyMissing, missing };
}

/** Resync of one user with a chosen entry: update or unchanged, or a username conflict. */
export function planUserResync(realmId: number, user: RegistryUser, entry: EntryData, registry: RegistryView): PlannedAction {
  const actions: PlannedAction[] = [];
  resolveNames(realmId, registry, [{ entry, user }], [], (a) => actions.push(a));
  return actions[0];
}

/** The report a plan produces (identical for a dry run and for the run that applies it). */
export function reportFromPlan(plan: SyncPlan): OperationReport {
  const report: OperationReport = {
    created: 0,
    updated: 0,
    unchanged: 0,
    conflicts: 0,
    missing: plan.missing,
    failed: [],
    changes: [],
  };
  const conflictDetails: OperationFailure[] = [];
  for (const action of plan.actions) {
    switch (action.kind) {
      case 'create':
        report.created++;
        break;
      case 'update':
        report.updated++;
        report.changes.push({ userId: action.user.id, username: action.user.username, fields: action.changes });
        break;
      case 'unchanged':
        report.unchanged++;
        break;
      case 'conflict':
        report.conflicts++;
        conflictDetails.push({ username: action.entry.username, dn: action.entry.dn, reason: action.reason });
        break;
      case 'failed':
        report.failed.push({ username: action.username, dn: action.dn, reason: action.reason });
        break;
    }
  }
  if (conflictDetails.length > 0) report.conflictDetails = conflictDetails;
  return report;
}

/**
 * How an entry compares with the registry (realm/search statuses): linked to a user and
 * identical → imported; linked but different (or a UUID-less user of this realm with its
 * username, which an import would link) → changed; username held by someone else → conflict.
 */
export function entryStatusOf(
  realmId: number,
  entry: EntryData,
  registry: RegistryView,
): Pick<DirectoryEntry, 'status' | 'userId' | 'conflict'> {
  const linked = entry.uuid ? registry.userByUuid(realmId, entry.uuid) : undefined;
  if (linked) {
    const changes = diffLinkedState(linked, stateFromEntry(entry));
    if (changes.length === 0) return { status: 'imported', userId: linked.id };
    if (usernameKey(entry.username) !== usernameKey(linked.username)) {
      const holder = registry.userByUsername(entry.username);
      if (holder && holder.id !== linked.id) {
        return { status: 'conflict', userId: linked.id, conflict: describeNameConflict(entry.username, { kind: 'user', user: holder }, realmId) };
      }
    }
    return { status: 'changed', userId: linked.id };
  }
  const holder = registry.userByUsername(entry.username);
  if (!holder) return { status: 'new' };
  if (holder.category === 'external' && holder.realmId === realmId && !holder.ldapUuid) return { status: 'changed', userId: holder.id };
  return { status: 'conflict', conflict: describeNameConflict(entry.username, { kind: 'user', user: holder }, realmId) };
}

/**
 * Realm resync's fast path: users whose stored digest equals their entry's (found by UUID, not
 * missing) are unchanged and need no further look. Returns how many, the other users' ids (to
 * plan in full) and the entries not taken by the unchanged ones (so that a username match in
 * the full plan cannot take over an entry another user is linked to).
 */
export function splitUnchangedByDigest(
  digests: readonly { id: number; ldapUuid: string | null; missingSince: string | null; digest: string }[],
  entries: readonly EntryData[],
): { unchanged: number; otherIds: number[]; otherEntries: EntryData[] } {
  const byUuid = new Map<string, EntryData>();
  for (const entry of entries) if (entry.uuid) byUuid.set(uuidKey(entry.uuid), entry);
  const taken = new Set<EntryData>();
  const otherIds: number[] = [];
  let unchanged = 0;
  for (const user of digests) {
    const entry = user.ldapUuid && user.missingSince === null ? byUuid.get(uuidKey(user.ldapUuid)) : undefined;
    if (entry && linkedDigest(stateFromEntry(entry)) === user.digest) {
      unchanged++;
      taken.add(entry);
    } else otherIds.push(user.id);
  }
  return { unchanged, otherIds, otherEntries: taken.size === 0 ? [...entries] : entries.filter((e) => !taken.has(e)) };
}
