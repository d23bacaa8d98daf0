// State of a results table that must stay smooth with thousands of rows: sort, text filter,
// selection (by row key, so it survives sorting and filtering) and the window of rows to render.
// Pure: the page renders from `view()` and `visibleRange()`; the unit tests drive it directly.

export type SortDirection = 'asc' | 'desc';

export interface ColumnDef<Row> {
  key: string;
  /** The text shown and sorted on. */
  text(row: Row): string;
}

export interface TableSnapshot {
  sortKey: string | null;
  sortDirection: SortDirection;
  filter: string;
  selected: string[];
}

export type SelectAllState = 'none' | 'some' | 'all';

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export class TableState<Row> {
  private rows: Row[] = [];
  private keys: string[] = [];
  private haystacks: string[] = [];
  private cachedView: number[] | null = null;
  private readonly selectedKeys = new Set<string>();
  sortKey: string | null = null;
  sortDirection: SortDirection = 'asc';
  private filterText = '';

  constructor(
    private readonly columns: ColumnDef<Row>[],
    private readonly keyOf: (row: Row) => string,
    /** Rows that cannot be selected (a conflict that import would refuse anyway). */
    private readonly selectable: (row: Row) => boolean = () => true,
  ) {}

  /** New results: selection keeps the keys that are still present. */
  setRows(rows: Row[]): void {
    this.rows = rows;
    this.keys = rows.map(this.keyOf);
    this.haystacks = rows.map((row) => this.columns.map((c) => c.text(row)).join('\u0000').toLocaleLowerCase());
    const present = new Set(this.keys);
    for (const key of [...this.selectedKeys]) {
      if (!present.has(key)) {
        this.selectedKeys.delete(key);
      }
    }
    this.cachedView = null;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  row(index: number): Row {
    const row = this.rows[index];
    if (row === undefined) {
      throw new RangeError(`No row ${index}`);
    }
    return row;
  }

  keyAt(index: number): string {
    return this.keys[index] ?? '';
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    if (text !== this.filterText) {
      this.filterText = text;
      this.cachedView = null;
    }
  }

  /** Clicking a column header: sort by it, or reverse when it is already the sort column. */
  toggleSort(key: string): void {
    if (this.sortKey === key) {
      this.sortDirection = this.sortDirection === 'asc' ? 'desc' : 'asc';
    } else {
      this.sortKey = key;
      this.sortDirection = 'asc';
    }
    this.cachedView = null;
  }

  /** Indexes into the rows, filtered and sorted: what the table shows, in order. */
  view(): number[] {
    if (this.cachedView) {
      return this.cachedView;
    }
    const terms = this.filterText.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    let indexes = this.rows.map((_, i) => i);
    if (terms.length > 0) {
      indexes = indexes.filter((i) => terms.every((t) => (this.haystacks[i] ?? '').includes(t)));
    }
    const column = this.columns.find((c) => c.key === this.sortKey);
    if (column) {
      const texts = this.rows.map((row) => column.text(row));
      const sign = this.sortDirection === 'asc' ? 1 : -1;
      // Ties keep the backend's order, so sorting is stable and predictable.
      indexes.sort((a, b) => sign * collator.compare(texts[a] ?? '', texts[b] ?? '') || a - b);
    }
    this.cachedView = indexes;
    return indexes;
  }

  isSelected(index: number): boolean {
    return this.selectedKeys.has(this.keyAt(index));
  }

  isSelectable(index: number): boolean {
    return this.selectable(this.row(index));
  }

  setSelected(index: number, selected: boolean): void {
    const key = this.keyAt(index);
    if (selected && this.isSelectable(index)) {
      this.selectedKeys.add(key);
    } else {
      this.selectedKeys.delete(key);
    }
  }

  /** The header check box acts on the rows the filter shows, never on hidden ones. */
  selectAllState(): SelectAllState {
    const shown = this.view().filter((i) => this.isSelectable(i));
    const count = shown.filter((i) => this.isSelected(i)).length;
    return count === 0 ? 'none' : count === shown.length ? 'all' : 'some';
  }

  setAllShown(selected: boolean): void {
    for (const i of this.view()) {
      this.setSelected(i, selected);
    }
  }

  /** Selected rows in the current view order (hidden selected rows included at the end). */
  selectedRows(): Row[] {
    const shown = this.view().filter((i) => this.isSelected(i));
    const shownSet = new Set(shown);
    const hidden = this.rows.map((_, i) => i).filter((i) => !shownSet.has(i) && this.isSelected(i));
    return [...shown, ...hidden].map((i) => this.row(i));
  }

  get selectedCount(): number {
    return this.selectedKeys.size;
  }

  snapshot(): TableSnapshot {
    return { sortKey: this.sortKey, sortDirection: this.sortDirection, filter: this.filterText, selected: [...this.selectedKeys] };
  }

  /** Restores a draft (a hidden tab coming back); selected keys apply to rows set later too. */
  restore(snapshot: Partial<TableSnapshot>): void {
    this.sortKey = typeof snapshot.sortKey === 'string' ? snapshot.sortKey : null;
    this.sortDirection = snapshot.sortDirection === 'desc' ? 'desc' : 'asc';
    this.filterText = typeof snapshot.filter === 'string' ? snapshot.filter : '';
    this.selectedKeys.clear();
    for (const key of Array.isArray(snapshot.selected) ? snapshot.selected : []) {
      if (typeof key === 'string') {
        this.selectedKeys.add(key);
      }
    }
    this.cachedView = null;
  }
}

/** Which rows of the view to put in the DOM for a scroll position: the visible ones plus a margin. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): { start: number; end: number } {
  if (total === 0 || rowHeight <= 0) {
    return { start: 0, end: 0 };
  }
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first - overscan, total - 1));
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}
