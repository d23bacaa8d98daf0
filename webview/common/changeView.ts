// How field changes (FieldChange: before → after) and operation reports read in the pages:
// previews of an import or a resync, and the report at the end. Pure formatting; the DOM is built
// from these lines by changeTable.ts.
import type { FieldChange, OperationReport } from '../../protocol/model';

const fieldLabels: Record<string, string> = {
  username: 'Username',
  displayName: 'Display name',
  givenName: 'Given name',
  surname: 'Surname',
  email: 'Email',
  department: 'Department',
  title: 'Title',
  phone: 'Phone',
  ldapDn: 'DN',
  ldapUuid: 'UUID',
  ldapDisabled: 'Disabled in LDAP',
  loginEnabled: 'Login enabled',
  missingSince: 'Missing from LDAP since',
  category: 'Category',
  realmId: 'Realm',
};

export function fieldLabel(field: string): string {
  return fieldLabels[field] ?? field.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface ChangeLine {
  field: string;
  label: string;
  before: string;
  after: string;
  kind: ChangeKind;
}

const EMPTY = '(empty)';

export function formatValue(value: string | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') {
    return EMPTY;
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  return value;
}

function isEmpty(value: string | boolean | null | undefined): boolean {
  return value === null || value === undefined || value === '';
}

export function changeLines(changes: FieldChange[]): ChangeLine[] {
  return changes
    .filter((c) => c.before !== c.after)
    .map((c) => ({
      field: c.field,
      label: fieldLabel(c.field),
      before: formatValue(c.before),
      after: formatValue(c.after),
      kind: isEmpty(c.before) ? 'added' : isEmpty(c.after) ? 'removed' : 'changed',
    }));
}

/** One line per change for screen readers and copy/paste: "Email: a@x → b@x". */
export function changeText(line: ChangeLine): string {
  return `${line.label}: ${line.before} → ${line.after}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Will create 3 users, update 2 (5 field changes), 1 conflict" — dry run or done. */
export function reportSummary(report: OperationReport, dryRun: boolean): string {
  const fieldChanges = report.changes.reduce((n, c) => n + c.fields.length, 0);
  const parts = [
    `${dryRun ? 'will create' : 'created'} ${plural(report.created, 'user')}`,
    `${dryRun ? 'update' : 'updated'} ${report.updated}${fieldChanges > 0 ? ` (${plural(fieldChanges, 'field change')})` : ''}`,
  ];
  if (report.unchanged > 0) {
    parts.push(`${report.unchanged} unchanged`);
  }
  if (report.conflicts > 0) {
    parts.push(plural(report.conflicts, 'conflict'));
  }
  if (report.missing > 0) {
    parts.push(`${report.missing} missing from LDAP`);
  }
  if (report.failed.length > 0) {
    parts.push(`${report.failed.length} failed`);
  }
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}
