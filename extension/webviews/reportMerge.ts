// Adding up the reports of an import that spans several realms ("all realms").
import type { OperationReport } from '../../protocol/model';

export function mergeReports(reports: OperationReport[]): OperationReport {
  const sum: OperationReport = { created: 0, updated: 0, unchanged: 0, conflicts: 0, missing: 0, failed: [], changes: [] };
  for (const r of reports) {
    sum.created += r.created;
    sum.updated += r.updated;
    sum.unchanged += r.unchanged;
    sum.conflicts += r.conflicts;
    sum.missing += r.missing;
    sum.failed.push(...r.failed);
    sum.changes.push(...r.changes);
    if (r.conflictDetails) {
      (sum.conflictDetails ??= []).push(...r.conflictDetails);
    }
  }
  return sum;
}
