// The results table of the Import page: its columns, row identity and what an import request is
// made of. Pure apart from the tag element of the status column (built only when rendered).
import type { EntryStatus } from '../../protocol/model';
import type { ImportRow, ImportSelection } from '../../protocol/webview';
import { h } from '../common/dom';
import type { VirtualColumn } from '../common/virtualTable';

export const statusLabels: Record<EntryStatus, string> = {
  new: 'new',
  imported: 'imported',
  changed: 'changed',
  conflict: 'conflict',
};

export interface ImportColumn extends VirtualColumn<ImportRow> {
  /** Text used for sorting and filtering. */
  text(row: ImportRow): string;
}

function textColumn(key: string, label: string, width: string, text: (row: ImportRow) => string): ImportColumn {
  return { key, label, width, text, cell: text };
}

export const importColumns: ImportColumn[] = [
  textColumn('username', 'Username', 'minmax(100px, 1fr)', (r) => r.username),
  textColumn('displayName', 'Name', 'minmax(120px, 1.4fr)', (r) => r.displayName),
  textColumn('email', 'Email', 'minmax(140px, 1.4fr)', (r) => r.email),
  textColumn('department', 'Department', 'minmax(90px, 1fr)', (r) => r.department),
  textColumn('realm', 'Directory', 'minmax(90px, 0.8fr)', (r) => r.realmName),
  {
    key: 'status',
    label: 'Status',
    width: '90px',
    text: (r) => statusLabels[r.status],
    cell: (r) => h('span', { class: `tag ${r.status}` }, statusLabels[r.status]),
    title: (r) => (r.status === 'conflict' && r.conflict ? r.conflict : statusLabels[r.status]),
  },
  textColumn('disabled', 'LDAP', '80px', (r) => (r.disabled ? 'disabled' : '')),
];

/** A row is the same entry across searches: realm + directory UUID (DN when the UUID is unknown). */
export function rowKey(row: ImportRow): string {
  return `${row.realmId}:${row.uuid || row.dn}`;
}

/** Conflicts are shown but cannot be selected: the import would refuse them anyway. */
export function rowSelectable(row: ImportRow): boolean {
  return row.status !== 'conflict';
}

/** The import request for the selected rows: one selection per realm, entries by UUID and DN. */
export function selectionsOf(rows: ImportRow[]): ImportSelection[] {
  const byRealm = new Map<number, ImportSelection>();
  for (const row of rows) {
    let selection = byRealm.get(row.realmId);
    if (!selection) {
      selection = { realmId: row.realmId, entries: [] };
      byRealm.set(row.realmId, selection);
    }
    selection.entries.push(row.uuid ? { uuid: row.uuid, dn: row.dn } : { dn: row.dn, username: row.username });
  }
  return [...byRealm.values()];
}
