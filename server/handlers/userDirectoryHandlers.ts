// The user requests that read a directory first: user/import, user/resyncCandidates, user/resync.
// Each reads everything it needs (cancellable), then plans and applies in one transaction, so a
// failed or cancelled read writes nothing and a dry run reports exactly what the real run does.
import { ResponseError, type CancellationToken } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import type { DirectoryEntry, ImportReport, Realm } from '../../protocol/model';
import { UserImport, UserResync, UserResyncCandidates, type EntryRef } from '../../protocol/rpc';
import type { BackendContext } from '../backendContext';
import { asObject } from '../requestValues';
import { applyPlan } from '../users/applyPlan';
import { withAudit } from '../users/audit';
import { stateFromEntry, type EntryData } from '../users/entryDiff';
import { readCandidates, resolveEntryRefs } from '../users/directoryAccess';
import { requireUser } from '../users/lifecycle';
import { withRealmJob } from '../users/realmJobs';
import { InMemoryRegistry, type RegistryView } from '../users/registryView';
import { describeAssignments } from '../users/roleMerge';
import { resolveRoleRefs, roleNames } from '../users/roles';
import { entryStatusOf, planImport, planUserResync, reportFromPlan, type PlannedAction, type SyncPlan } from '../users/syncPlan';
import { userConflict } from '../users/userErrors';
import { DatabaseRegistry, readRegistryForRealmImport, readRegistryUser, UserWriter } from '../users/userRows';
import { readRoleRefs } from './roleHandlers';

/**
 * Above this many entries an import reads the realm's whole population in one paged search
 * instead of one lookup per entry: a single search streams thousands of entries per second,
 * while per-entry round trips would dominate.
 */
const bulkImportThreshold = 1000;
const maxImportEntries = 200_000;
/** Above this many entries, planning reads the registry once instead of querying per entry. */
const inMemoryRegistryThreshold = 200;

export function requireRealm(ctx: BackendContext, realmId: number): Realm {
  const realm = ctx.requireStore().realms.get(realmId);
  if (!realm) {
    throw new ResponseError<ErrorData>(ErrorCodes.realmNotFound, `There is no realm with id ${realmId}; it may have been deleted. Refresh the realm list.`, {
      realmId,
    });
  }
  return realm;
}

function readEntryRef(value: unknown, field: string): EntryRef {
  const ref = asObject(value, field).onlyKnown('uuid', 'dn', 'username');
  const out: EntryRef = {};
  const uuid = ref.optionalString('uuid', { maxLength: 200, nonEmpty: true });
  const dn = ref.optionalString('dn', { maxLength: 4096, nonEmpty: true });
  const username = ref.optionalString('username', { maxLength: 256, nonEmpty: true });
  if (uuid !== undefined) out.uuid = uuid.trim();
  if (dn !== undefined) out.dn = dn;
  if (username !== undefined) out.username = username.trim();
  if (!uuid && !dn && !username) {
    throw new ResponseError<ErrorData>(ErrorCodes.invalidInput, `${field} must give a uuid, a dn or a username.`, { field });
  }
  return out;
}

/**
 * The entry a user is to be linked to: the one named by uuid/dn, else the one holding the user's
 * UUID (same realm), else the one with its username. 1002 when there is none.
 */
export async function findEntryForUser(
  ctx: BackendContext,
  realm: Realm,
  user: { username: string; ldapUuid?: string | null; realmId?: number | null },
  chosen: { uuid?: string; dn?: string },
  token: CancellationToken,
): Promise<{ entry: EntryData; raw?: Record<string, string[]> }> {
  if (chosen.uuid || chosen.dn) {
    const refs: EntryRef[] = chosen.uuid ? [{ uuid: chosen.uuid }] : [{ dn: chosen.dn }];
    const resolved = await resolveEntryRefs(ctx, realm, refs, { bulk: false, token });
    const entry = resolved.entries[0];
    if (entry) return { entry, raw: resolved.raw.get(entry) };
  } else {
    // A user kept from a deleted realm (no realm) may be relinked by its UUID too.
    const uuid = user.ldapUuid && (user.realmId === realm.id || user.realmId == null) ? user.ldapUuid : undefined;
    if (uuid) {
      // The common case, one search: the entry still holding the user's identity.
      const resolved = await resolveEntryRefs(ctx, realm, [{ uuid }], { bulk: false, token });
      const entry = resolved.entries[0];
      if (entry) return { entry, raw: resolved.raw.get(entry) };
    }
    const candidates = await readCandidates(ctx, realm, { ...(uuid ? { uuid } : {}), username: user.username }, token);
    // Without a stored UUID, only an unambiguous username match is taken.
    const first = candidates[0];
    if (first && (uuid ? first.entry.uuid.toLowerCase() === uuid.toLowerCase() || candidates.length === 1 : candidates.length === 1)) return first;
  }
  const field = chosen.uuid ? 'uuid' : chosen.dn ? 'dn' : 'userId';
  const what = chosen.uuid ? `${realm.attributes.uuid} ${chosen.uuid}` : chosen.dn ? `DN ${chosen.dn}` : `the identity or username of "${user.username}"`;
  throw new ResponseError<ErrorData>(
    ErrorCodes.invalidInput,
    `No entry with ${what} was found in realm "${realm.name}" (it may have been deleted, or lie outside the base DN or user filter). Pick an entry from the candidates.`,
    { field, realmId: realm.id },
  );
}

function failedActions(failures: { username?: string; dn?: string; reason: string }[]): PlannedAction[] {
  return failures.map((f) => ({ kind: 'failed', ...f }));
}

export function registerDirectoryUserHandlers(ctx: BackendContext): void {
  ctx.handle(UserImport, async (params, token): Promise<ImportReport> => {
    params.onlyKnown('realmId', 'entries', 'roles', 'dryRun', 'operationId');
    const realmId = params.integer('realmId', { min: 1 });
    const refs = params.array('entries', { maxLength: maxImportEntries, minLength: 1 }, readEntryRef);
    const roleRefs = readRoleRefs(params, 'roles');
    const dryRun = params.optionalBoolean('dryRun') ?? false;
    const operationId = params.optionalString('operationId', { maxLength: 200 });
    const store = dryRun ? ctx.requireStore() : ctx.requireWritable();
    const realm = requireRealm(ctx, realmId);
    // Checked before any LDAP work: an unknown role fails the request at once.
    const rolesForNew = resolveRoleRefs(store.db, roleRefs ?? realm.defaultRoles, roleRefs ? 'roles' : 'defaultRoles');
    const bulk = refs.length > bulkImportThreshold;

    return withRealmJob(realmId, realm.name, 'An import', async () => {
      // No "starting" notification: progress is throttled per operation, and the first page's
      // count must not be swallowed by it (the client shows its own "starting" state).
      const onProgress = (read: number) => ctx.progress(operationId, read, undefined, `Read ${read} entries from "${realm.name}"`);
      const read = await resolveEntryRefs(ctx, realm, refs, { bulk, token, onProgress });
      ctx.throwIfCancelled(token);
      const { entries, failures } = read;
      const plan = (registry: RegistryView): SyncPlan => {
        const planned = planImport(realmId, entries, registry, realm.attributes.uuid);
        planned.actions.unshift(...failedActions(failures));
        return planned;
      };
      const registryOf = (db: typeof store.db): RegistryView => (entries.length > inMemoryRegistryThreshold ? new InMemoryRegistry(readRegistryForRealmImport(db, realmId)) : new DatabaseRegistry(db));

      if (dryRun) {
        const report = reportFromPlan(plan(registryOf(store.db)));
        ctx.progress(operationId, entries.length, entries.length, `Dry run: ${report.created} would be created, ${report.updated} updated`);
        return report;
      }
      ctx.progress(operationId, 0, entries.length, `Applying ${entries.length} entries`);
      const now = new Date().toISOString();
      const { report } = await ctx.write(
        (s) => {
          const planned = plan(registryOf(s.db));
          const names = roleNames(s.db);
          const applied = applyPlan(s.db, planned, {
            realmId,
            now,
            actor: ctx.clientName,
            rolesForNew,
            rolesDescription: describeAssignments(rolesForNew, (id) => names.get(id) ?? `role ${id}`),
            updateAction: 'user.import',
            rawOf: (entry) => read.raw.get(entry),
          });
          return { report: reportFromPlan(planned), changedIds: [...applied.createdIds, ...applied.updatedIds] };
        },
        (result) => (result.changedIds.length ? { realmIds: [realmId], userIds: result.changedIds } : undefined),
      );
      ctx.progress(operationId, entries.length, entries.length, `Imported: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`);
      return report;
    });
  });

  ctx.handle(UserResyncCandidates, async (params, token): Promise<DirectoryEntry[]> => {
    params.onlyKnown('userId', 'realmId');
    const userId = params.integer('userId', { min: 1 });
    const realmId = params.integer('realmId', { min: 1 });
    const store = ctx.requireStore();
    const user = requireUser(store.db, userId);
    const realm = requireRealm(ctx, realmId);
    const uuid = user.ldapUuid && (user.realmId === realmId || user.realmId == null) ? user.ldapUuid : undefined;
    const candidates = await readCandidates(ctx, realm, { ...(uuid ? { uuid } : {}), username: user.username }, token);
    const registry = new DatabaseRegistry(store.db);
    const ordered = candidates.map((c) => c.entry);
    return ordered.map((entry) => ({ ...entry, ...entryStatusOf(realmId, entry, registry) }));
  });

  ctx.handle(UserResync, async (params, token) => {
    params.onlyKnown('userId', 'realmId', 'uuid', 'dn', 'dryRun');
    const userId = params.integer('userId', { min: 1 });
    const realmId = params.integer('realmId', { min: 1 });
    const uuid = params.optionalString('uuid', { maxLength: 200, nonEmpty: true });
    const dn = params.optionalString('dn', { maxLength: 4096, nonEmpty: true });
    const dryRun = params.optionalBoolean('dryRun') ?? false;
    const store = dryRun ? ctx.requireStore() : ctx.requireWritable();
    const user = requireUser(store.db, userId);
    if (user.category !== 'external') {
      throw new ResponseError<ErrorData>(
        ErrorCodes.invalidInput,
        `"${user.username}" is an internal user; convert it to external to link it to an LDAP entry.`,
        { field: 'userId' },
      );
    }
    const realm = requireRealm(ctx, realmId);
    const { entry, raw } = await findEntryForUser(ctx, realm, user, { uuid, dn }, token);
    ctx.throwIfCancelled(token);

    const decide = (db: typeof store.db) => {
      const current = readRegistryUser(db, userId);
      if (!current) throw new ResponseError<ErrorData>(ErrorCodes.invalidInput, `User ${userId} was deleted meanwhile.`, { field: 'userId' });
      // Linking to an entry already linked to another user of the realm would break identity.
      const other = new DatabaseRegistry(db).userByUuid(realmId, entry.uuid);
      if (other && other.id !== userId) {
        throw userConflict(`The entry ${entry.dn} is already linked to user "${other.username}" (id ${other.id}); resynchronize that user instead.`, { realmId });
      }
      const action = planUserResync(realmId, current, entry, new DatabaseRegistry(db));
      if (action.kind === 'conflict') throw userConflict(action.reason, { realmId });
      const changes = action.kind === 'update' ? [...action.changes] : [];
      if (current.realmId !== realmId) changes.unshift({ field: 'realmId', before: current.realmId === null ? null : String(current.realmId), after: String(realmId) });
      return { current, changes };
    };
    if (dryRun) {
      const { changes } = decide(store.db);
      return { user: store.users.get(userId)!, changes };
    }
    const now = new Date().toISOString();
    const { changes } = await ctx.write(
      (s) =>
        withAudit(s.db, ctx.clientName, now, (audit) => {
          const decided = decide(s.db);
          if (decided.changes.length === 0) return decided;
          const writer = new UserWriter(s.db);
          try {
            writer.updateLinked(userId, stateFromEntry(entry), now, true, raw);
          } finally {
            writer.free();
          }
          if (decided.current.realmId !== realmId) s.db.run('UPDATE users SET realm_id = ? WHERE id = ?', [realmId, userId]);
          audit.record({ action: 'user.resync', userId, realmId, username: entry.username, changes: decided.changes });
          return decided;
        }),
      (result) => (result.changes.length ? { userIds: [userId], realmIds: [realmId] } : undefined),
    );
    return { user: ctx.requireStore().users.get(userId)!, changes };
  });
}

