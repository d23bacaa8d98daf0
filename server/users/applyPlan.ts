// Executes a SyncPlan inside the caller's transaction: inserts created users with their roles,
// writes changed rows only, and records one audit row per user written. Unchanged users,
// conflicts and failures touch nothing.
import type { Database } from 'sql.js';
import type { FieldChange } from '../../protocol/model';
import { AuditRecorder, type AuditAction } from './audit';
import type { EntryData, LinkedUserState } from './entryDiff';
import type { Assignment } from './roleMerge';
import type { PlannedAction, SyncPlan } from './syncPlan';
import { UserWriter } from './userRows';

export interface ApplyOptions {
  realmId: number;
  now: string;
  actor: string;
  /** Roles given to users this plan creates. */
  rolesForNew: readonly Assignment[];
  /** Audit text for the roles (e.g. "Viewer, User Manager"). */
  rolesDescription: string;
  /** Audit action for updates of existing users. */
  updateAction: AuditAction;
  /** Raw attributes of the entries read (stored with created and updated users). */
  rawOf?: (entry: EntryData) => Record<string, string[]> | undefined;
}

export interface ApplyResult {
  createdIds: number[];
  updatedIds: number[];
}

/**
 * What the audit keeps of a creation: the identity it was linked by and the roles given (the
 * audit row itself carries the username and realm). The LDAP-provided fields are in the user
 * row, and every later change to them is audited with before/after; repeating them here would
 * double the size of a 100k-user registry, and every save writes the whole file.
 */
function creationChanges(state: LinkedUserState, rolesDescription: string): FieldChange[] {
  const changes: FieldChange[] = [{ field: 'ldapUuid', before: null, after: state.ldapUuid }];
  if (state.ldapDisabled) changes.push({ field: 'ldapDisabled', before: null, after: true });
  if (rolesDescription) changes.push({ field: 'roles', before: null, after: rolesDescription });
  return changes;
}

export function applyPlan(db: Database, plan: SyncPlan, options: ApplyOptions): ApplyResult {
  const writer = new UserWriter(db);
  const audit = new AuditRecorder(db, options.actor, options.now);
  const result: ApplyResult = { createdIds: [], updatedIds: [] };
  try {
    // Updates first, in plan order: a rename can free the username a new user takes.
    for (const action of plan.actions) {
      if (action.kind === 'update') {
        // A missing mark is not a synchronization with LDAP: syncedAt keeps the last real one.
        const onlyMissing = action.entry === undefined;
        writer.updateLinked(action.user.id, action.state, options.now, !onlyMissing, action.entry && options.rawOf?.(action.entry));
        audit.record({
          action: onlyMissing ? 'user.missing' : options.updateAction,
          userId: action.user.id,
          realmId: options.realmId,
          username: action.state.username,
          changes: action.changes,
        });
        result.updatedIds.push(action.user.id);
      }
    }
    // New users go in in UUID order: the (realm, uuid) index then grows at its end instead of
    // splitting pages all over, which cuts SQLite's page work for a large import.
    const creates = plan.actions.filter((a): a is Extract<PlannedAction, { kind: 'create' }> => a.kind === 'create');
    creates.sort((a, b) => (a.state.ldapUuid! < b.state.ldapUuid! ? -1 : a.state.ldapUuid! > b.state.ldapUuid! ? 1 : 0));
    for (const action of creates) {
      const id = writer.insertExternal(options.realmId, action.state, options.now, options.rawOf?.(action.entry));
      for (const role of options.rolesForNew) writer.assignRole(id, role.roleId, role.scope);
      audit.record({
        action: 'user.import',
        userId: id,
        realmId: options.realmId,
        username: action.state.username,
        changes: creationChanges(action.state, options.rolesDescription),
      });
      result.createdIds.push(id);
    }
    return result;
  } finally {
    writer.free();
    audit.free();
  }
}
