// realm/resync: resynchronize every external user of a realm. Phase 1 reads the realm's whole
// population (every page, on a still-bound connection); phase 2 plans and applies once, in one
// transaction. A failed, cut-short or cancelled read applies nothing; users gone from the
// directory are only marked missing, and a suspiciously large number of them stops the resync
// (1302) unless the admin confirms.
import type { SyncReport } from '../../protocol/model';
import { RealmResync } from '../../protocol/rpc';
import type { HandlerModule } from '../backendContext';
import { invalidInput } from '../requestValues';
import { applyPlan } from '../users/applyPlan';
import { withAudit } from '../users/audit';
import { readRealmPopulation } from '../users/directoryAccess';
import { missingGuardTrips } from '../users/missingGuard';
import { withRealmJob } from '../users/realmJobs';
import { planRealmResync, reportFromPlan, splitUnchangedByDigest } from '../users/syncPlan';
import { syncGuardTripped } from '../users/userErrors';
import { DatabaseRegistry, readRealmUserDigests, readRegistryUsers } from '../users/userRows';
import { requireRealm } from './userDirectoryHandlers';

/** `missingThreshold`: a share 0–1 of the realm's users, or absent for the built-in rule. */
function missingShare(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidInput('missingThreshold', 'missingThreshold must be a number from 0 to 1 (the share of the realm\'s users), e.g. 0.1 for 10 %.');
  }
  return value;
}

export const registerRealmResyncHandler: HandlerModule = (ctx) => {
  ctx.handle(RealmResync, async (params, token): Promise<SyncReport> => {
    params.onlyKnown('realmId', 'dryRun', 'confirmMissing', 'operationId', 'missingThreshold');
    const realmId = params.integer('realmId', { min: 1 });
    const dryRun = params.optionalBoolean('dryRun') ?? false;
    const confirmMissing = params.optionalBoolean('confirmMissing') ?? false;
    const operationId = params.optionalString('operationId', { maxLength: 200 });
    const share = missingShare(params.has('missingThreshold') ? params.raw('missingThreshold') : undefined);
    const store = dryRun ? ctx.requireStore() : ctx.requireWritable();
    const realm = requireRealm(ctx, realmId);

    return withRealmJob(realmId, realm.name, 'A resync', async () => {
      // No "starting" notification: progress is throttled per operation, and the first page's
      // count must not be swallowed by it (the client shows its own "starting" state).
      const read = await readRealmPopulation(ctx, realm, {
        token,
        onProgress: (n) => ctx.progress(operationId, n, undefined, `Read ${n} entries from "${realm.name}"`),
      });
      ctx.throwIfCancelled(token);
      const now = new Date().toISOString();

      const decide = (db: typeof store.db) => {
        // Most users of a resync are unchanged: compare one digest per user first, and read
        // and plan in full only the rest (changed, missing, reappearing, linked by username).
        const digests = readRealmUserDigests(db, realmId);
        const split = splitUnchangedByDigest(digests, read.entries);
        const plan = planRealmResync(realmId, split.otherEntries, readRegistryUsers(db, split.otherIds), new DatabaseRegistry(db), now);
        if (!confirmMissing && missingGuardTrips({ newlyMissing: plan.newlyMissing, realmUsers: digests.length, entriesRead: read.entries.length, share })) {
          throw syncGuardTripped(realm.name, realmId, plan.newlyMissing, digests.length);
        }
        const report = reportFromPlan(plan);
        report.unchanged += split.unchanged;
        // Entries the directory holds but that cannot be linked are shown, not fatal.
        for (const u of read.unmappable) report.failed.push({ dn: u.dn, ...(u.username ? { username: u.username } : {}), reason: u.reason });
        return { plan, report };
      };

      if (dryRun) {
        const { report } = decide(store.db);
        ctx.progress(operationId, read.entries.length, read.entries.length, `Dry run: ${report.updated} would be updated, ${report.missing} missing`);
        return report;
      }
      const { report } = await ctx.write(
        (s) => {
          const decided = decide(s.db);
          const applied = applyPlan(s.db, decided.plan, {
            realmId,
            now,
            actor: ctx.clientName,
            rolesForNew: [],
            rolesDescription: '',
            updateAction: 'user.resync',
            rawOf: (entry) => read.raw.get(entry),
          });
          if (applied.updatedIds.length > 0) {
            withAudit(s.db, ctx.clientName, now, (audit) =>
              audit.record({
                action: 'realm.resync',
                realmId,
                changes: [
                  { field: 'updated', before: null, after: String(decided.report.updated) },
                  { field: 'missing', before: null, after: String(decided.report.missing) },
                ],
              }),
            );
          }
          return { report: decided.report, updatedIds: applied.updatedIds };
        },
        (result) => (result.updatedIds.length ? { realmIds: [realmId], userIds: result.updatedIds } : undefined),
      );
      ctx.progress(operationId, read.entries.length, read.entries.length, `Resynchronized: ${report.updated} updated, ${report.unchanged} unchanged, ${report.missing} missing`);
      return report;
    });
  });
};
