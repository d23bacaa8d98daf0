// What importing one directory entry would do, shown before anything is written: `new` (would be
// created), `imported` (linked user identical), `changed` (linked user differs), `conflict`
// (its username is held by another user). Decided by the same planning code import uses, so
// the status a search shows is the outcome the import reports.
import type { DirectoryEntry } from '../../protocol/model';
import type { DirectoryEntryData } from '../ldap/entryMapping';
import type { RegistryView } from '../users/registryView';
import { planImport } from '../users/syncPlan';

export type EntryStatusInfo = Pick<DirectoryEntry, 'status' | 'userId' | 'conflict'>;

export function entryStatus(realmId: number, entry: DirectoryEntryData, registry: RegistryView, uuidAttribute = 'uuid'): EntryStatusInfo {
  const action = planImport(realmId, [entry], registry, uuidAttribute).actions[0];
  switch (action?.kind) {
    case 'create':
      return { status: 'new' };
    case 'unchanged':
      return { status: 'imported', userId: action.user.id };
    case 'update':
      return { status: 'changed', userId: action.user.id };
    case 'conflict':
      return { status: 'conflict', ...(action.user ? { userId: action.user.id } : {}), conflict: action.reason };
    case 'failed':
      return { status: 'conflict', conflict: action.reason };
    default:
      return { status: 'new' };
  }
}

/** Entries with their status against the registry, in the same order. */
export function withEntryStatus(realmId: number, entries: readonly DirectoryEntryData[], registry: RegistryView, uuidAttribute?: string): DirectoryEntry[] {
  return entries.map((entry) => ({ ...entry, ...entryStatus(realmId, entry, registry, uuidAttribute) }));
}
