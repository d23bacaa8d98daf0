// Results table state: sort, filter, select-all over what the filter shows, selection that
// survives new results, and a render window that keeps 5,000 rows smooth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImportRow } from '../../../protocol/webview';
import { importColumns, rowKey, rowSelectable, selectionsOf } from '../../../webview/import/importRows';
import { TableState, visibleRange } from '../../../webview/common/tableState';

function row(i: number, over: Partial<ImportRow> = {}): ImportRow {
  return {
    dn: `uid=user${i},ou=people,dc=example,dc=test`,
    uuid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    username: `user${i}`,
    displayName: `User ${i}`,
    givenName: 'User',
    surname: String(i),
    email: `user${i}@example.test`,
    department: i % 2 === 0 ? 'Sales' : 'Engineering',
    title: '',
    phone: '',
    disabled: false,
    status: 'new',
    realmId: 1,
    realmName: 'Corp',
    ...over,
  };
}

function table(rows: ImportRow[]) {
  const state = new TableState<ImportRow>(importColumns.map((c) => ({ key: c.key, text: c.text })), rowKey, rowSelectable);
  state.setRows(rows);
  return state;
}

const usernames = (s: TableState<ImportRow>) => s.view().map((i) => s.row(i).username);

describe('table state', () => {
  it('sorts by a column, numerically aware, and reverses on the second click', () => {
    const s = table([row(10), row(2), row(1)]);
    s.toggleSort('username');
    assert.deepEqual(usernames(s), ['user1', 'user2', 'user10']);
    s.toggleSort('username');
    assert.deepEqual(usernames(s), ['user10', 'user2', 'user1']);
    s.toggleSort('department');
    assert.equal(s.sortDirection, 'asc');
    assert.deepEqual(usernames(s), ['user1', 'user10', 'user2']);
  });

  it('filters on every shown column, all terms must match, any case', () => {
    const s = table([row(1), row(2), row(3, { displayName: 'Zoë Ünal' })]);
    s.setFilter('SALES');
    assert.deepEqual(usernames(s), ['user2']);
    s.setFilter('engineering user3');
    assert.deepEqual(usernames(s), ['user3']);
    s.setFilter('ünal');
    assert.deepEqual(usernames(s), ['user3']);
    s.setFilter('');
    assert.equal(s.view().length, 3);
  });

  it('select-all acts on the rows the filter shows, skipping conflicts', () => {
    const s = table([row(1), row(2), row(4), row(6, { status: 'conflict', conflict: 'username used by an internal user' })]);
    s.setFilter('sales');
    assert.equal(s.selectAllState(), 'none');
    s.setAllShown(true);
    assert.equal(s.selectAllState(), 'all');
    assert.equal(s.selectedCount, 2);
    assert.deepEqual(s.selectedRows().map((r) => r.username).sort(), ['user2', 'user4']);
    s.setFilter('');
    assert.equal(s.selectAllState(), 'some');
    s.setSelected(3, true);
    assert.equal(s.isSelected(3), false, 'a conflict cannot be selected');
  });

  it('keeps the selection across a new search when the entries are still there', () => {
    const s = table([row(1), row(2), row(3)]);
    s.setSelected(0, true);
    s.setSelected(2, true);
    s.setRows([row(3, { status: 'imported' }), row(4)]);
    assert.deepEqual(s.selectedRows().map((r) => r.username), ['user3']);
  });

  it('restores a draft (sort, filter, selection) before the rows arrive', () => {
    const s = new TableState<ImportRow>(importColumns.map((c) => ({ key: c.key, text: c.text })), rowKey, rowSelectable);
    s.restore({ sortKey: 'username', sortDirection: 'desc', filter: 'sales', selected: [rowKey(row(2))] });
    s.setRows([row(1), row(2), row(4)]);
    assert.deepEqual(usernames(s), ['user4', 'user2']);
    assert.deepEqual(s.selectedRows().map((r) => r.username), ['user2']);
    assert.deepEqual(s.snapshot(), { sortKey: 'username', sortDirection: 'desc', filter: 'sales', selected: [rowKey(row(2))] });
  });

  it('5,000 rows: sort, filter and select-all stay fast, and only a window is rendered', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row(i));
    const started = performance.now();
    const s = table(rows);
    s.toggleSort('email');
    s.view();
    s.setFilter('sales');
    assert.equal(s.view().length, 2500);
    s.setAllShown(true);
    assert.equal(s.selectedCount, 2500);
    s.setFilter('');
    s.toggleSort('displayName');
    assert.equal(s.view().length, 5000);
    assert.equal(s.selectAllState(), 'some');
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `table operations on 5,000 rows took ${elapsed.toFixed(0)} ms`);
    const range = visibleRange(26 * 2500, 420, 26, 5000);
    assert.ok(range.end - range.start < 40, `window of ${range.end - range.start} rows`);
    assert.ok(range.start <= 2500 && range.end > 2500 + 15);
  });

  it('the render window is clamped at both ends', () => {
    assert.deepEqual(visibleRange(0, 100, 25, 0), { start: 0, end: 0 });
    assert.deepEqual(visibleRange(0, 100, 25, 3), { start: 0, end: 3 });
    const end = visibleRange(1_000_000, 100, 25, 50);
    assert.equal(end.end, 50);
    assert.ok(end.start < 50);
  });

  it('an import request groups the selected rows by realm and names entries by UUID and DN', () => {
    const rows = [row(1), row(2, { realmId: 2, realmName: 'Lab' }), row(3, { uuid: '' })];
    assert.deepEqual(selectionsOf(rows), [
      { realmId: 1, entries: [{ uuid: rows[0]!.uuid, dn: rows[0]!.dn }, { dn: rows[2]!.dn, username: 'user3' }] },
      { realmId: 2, entries: [{ uuid: rows[1]!.uuid, dn: rows[1]!.dn }] },
    ]);
  });
});
