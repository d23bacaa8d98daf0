// A results table that stays smooth at thousands of rows: only the rows in view (plus a margin)
// are in the DOM, positioned inside a spacer as tall as the whole list. Sorting, filtering and
// selection live in TableState; this class only draws it and turns clicks and keys into changes.
//
// Element ids (for tests and assistive tech), with `<id>` the table's id:
//   #<id>-select-all            header check box (selects the rows the filter shows)
//   #<id>-sort-<columnKey>      header sort buttons (aria-sort on their column header)
//   #<id>-viewport              the scrolling area
//   .vtable-row[data-key]       rendered rows; their check box has aria-label "Select <label>"
import { h } from './dom';
import { visibleRange, type TableState } from './tableState';

const MAX_VIEWPORT_ROWS = 16;

export interface VirtualColumn<Row> {
  key: string;
  label: string;
  /** CSS grid track, e.g. `minmax(120px, 1fr)`. */
  width: string;
  /** Cell content: text, or a node for tags. */
  cell(row: Row): string | Node;
  /** Text a cell's tooltip shows (defaults to the cell text). */
  title?(row: Row): string;
}

export interface VirtualTableOptions<Row> {
  id: string;
  label: string;
  columns: VirtualColumn<Row>[];
  state: TableState<Row>;
  /** Label of a row's check box ("Select alice"). */
  rowLabel(row: Row): string;
  rowHeight?: number;
  emptyText?: string;
  onSelectionChange(): void;
}

export class VirtualTable<Row> {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private readonly selectAll: HTMLInputElement;
  private readonly empty: HTMLElement;
  private readonly rowHeight: number;
  private frame = 0;
  private lastRange = { start: -1, end: -1 };

  constructor(private readonly o: VirtualTableOptions<Row>) {
    this.rowHeight = o.rowHeight ?? 26;
    this.selectAll = h('input', { type: 'checkbox', id: `${o.id}-select-all`, 'aria-label': 'Select all shown rows' });
    const head = h(
      'div',
      { class: 'vtable-head', role: 'row', 'aria-rowindex': 1 },
      h('div', { role: 'columnheader' }, this.selectAll),
      ...o.columns.map((c) =>
        h(
          'div',
          { role: 'columnheader', 'data-column': c.key, 'aria-sort': 'none' },
          h('button', { type: 'button', class: 'vtable-sort', id: `${o.id}-sort-${c.key}`, title: `Sort by ${c.label}` }, c.label),
        ),
      ),
    );
    this.spacer = h('div', { class: 'vtable-spacer' });
    this.rowsEl = h('div', { class: 'vtable-rows', role: 'rowgroup' });
    this.viewport = h('div', { class: 'vtable-viewport', id: `${o.id}-viewport` }, this.spacer, this.rowsEl);
    this.empty = h('div', { class: 'vtable-empty', role: 'note' }, o.emptyText ?? 'No results.');
    this.element = h('div', { class: 'vtable', id: o.id, role: 'grid', 'aria-label': o.label, 'aria-multiselectable': 'true' }, head, this.empty, this.viewport);
    // CSSOM, not a style attribute: allowed by the page's CSP.
    this.element.style.setProperty('--vtable-columns', ['32px', ...o.columns.map((c) => c.width)].join(' '));
    this.element.style.setProperty('--row-height', `${this.rowHeight}px`);

    this.viewport.addEventListener('scroll', () => this.schedule());
    this.selectAll.addEventListener('change', () => {
      o.state.setAllShown(this.selectAll.checked);
      this.refresh();
      o.onSelectionChange();
    });
    head.addEventListener('click', (ev) => {
      const button = (ev.target as HTMLElement).closest('button.vtable-sort');
      const key = button?.parentElement?.getAttribute('data-column');
      if (key) {
        o.state.toggleSort(key);
        this.refresh();
      }
    });
    this.rowsEl.addEventListener('change', (ev) => {
      const input = ev.target as HTMLInputElement;
      const index = Number(input.closest('.vtable-row')?.getAttribute('data-index'));
      if (Number.isInteger(index)) {
        o.state.setSelected(index, input.checked);
        this.refresh();
        o.onSelectionChange();
      }
    });
    this.rowsEl.addEventListener('keydown', (ev) => this.onKey(ev));
  }

  /** Redraws after rows, filter, sort or selection changed. */
  refresh(): void {
    const view = this.o.state.view();
    this.spacer.style.height = `${view.length * this.rowHeight}px`;
    // As tall as the rows, up to a screenful; then it scrolls.
    this.viewport.style.height = `${Math.min(MAX_VIEWPORT_ROWS, Math.max(1, view.length)) * this.rowHeight + 2}px`;
    this.element.setAttribute('aria-rowcount', String(view.length + 1));
    this.empty.hidden = view.length > 0;
    this.viewport.hidden = view.length === 0;
    const all = this.o.state.selectAllState();
    this.selectAll.checked = all === 'all';
    this.selectAll.indeterminate = all === 'some';
    for (const header of this.element.querySelectorAll<HTMLElement>('[data-column]')) {
      const key = header.getAttribute('data-column');
      const sorted = key === this.o.state.sortKey;
      header.setAttribute('aria-sort', sorted ? (this.o.state.sortDirection === 'asc' ? 'ascending' : 'descending') : 'none');
      const button = header.querySelector('button');
      const column = this.o.columns.find((c) => c.key === key);
      if (button && column) {
        button.textContent = sorted ? `${column.label} ${this.o.state.sortDirection === 'asc' ? '▲' : '▼'}` : column.label;
      }
    }
    this.lastRange = { start: -1, end: -1 };
    this.render();
  }

  /** Scrolls so the row at this view position is visible. */
  scrollToPosition(position: number): void {
    const top = position * this.rowHeight;
    if (top < this.viewport.scrollTop) {
      this.viewport.scrollTop = top;
    } else if (top + this.rowHeight > this.viewport.scrollTop + this.viewport.clientHeight) {
      this.viewport.scrollTop = top + this.rowHeight - this.viewport.clientHeight;
    }
    this.render();
  }

  private schedule(): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  private render(): void {
    const view = this.o.state.view();
    const height = this.viewport.clientHeight || MAX_VIEWPORT_ROWS * this.rowHeight;
    const range = visibleRange(this.viewport.scrollTop, height, this.rowHeight, view.length);
    if (range.start === this.lastRange.start && range.end === this.lastRange.end) {
      return;
    }
    this.lastRange = range;
    const focusedKey = (document.activeElement?.closest('.vtable-row') as HTMLElement | null)?.getAttribute('data-key');
    const rows: HTMLElement[] = [];
    for (let pos = range.start; pos < range.end; pos++) {
      const index = view[pos]!;
      rows.push(this.renderRow(index, pos));
    }
    this.rowsEl.style.transform = `translateY(${range.start * this.rowHeight}px)`;
    this.rowsEl.replaceChildren(...rows);
    if (focusedKey) {
      this.rowsEl.querySelector<HTMLInputElement>(`.vtable-row[data-key="${CSS.escape(focusedKey)}"] input`)?.focus();
    }
  }

  private renderRow(index: number, position: number): HTMLElement {
    const state = this.o.state;
    const row = state.row(index);
    const selected = state.isSelected(index);
    const box = h('input', {
      type: 'checkbox',
      'aria-label': this.o.rowLabel(row),
      checked: selected,
      disabled: !state.isSelectable(index),
    });
    box.checked = selected;
    return h(
      'div',
      {
        class: selected ? 'vtable-row selected' : 'vtable-row',
        role: 'row',
        'aria-rowindex': position + 2,
        'aria-selected': selected ? 'true' : 'false',
        'data-index': index,
        'data-position': position,
        'data-key': state.keyAt(index),
      },
      h('div', { role: 'gridcell' }, box),
      ...this.o.columns.map((c) => {
        const content = c.cell(row);
        const title = c.title ? c.title(row) : typeof content === 'string' ? content : undefined;
        return h('div', { role: 'gridcell', title }, content);
      }),
    );
  }

  /** Up/Down move between rows (scrolling as needed), Home/End to the ends, Space toggles. */
  private onKey(ev: KeyboardEvent): void {
    const rowEl = (ev.target as HTMLElement).closest('.vtable-row');
    const position = Number(rowEl?.getAttribute('data-position'));
    if (!rowEl || !Number.isInteger(position)) {
      return;
    }
    const total = this.o.state.view().length;
    const target =
      ev.key === 'ArrowDown' ? position + 1 : ev.key === 'ArrowUp' ? position - 1 : ev.key === 'Home' ? 0 : ev.key === 'End' ? total - 1 : -1;
    if (target < 0 || target >= total || target === position) {
      return;
    }
    ev.preventDefault();
    this.scrollToPosition(target);
    this.rowsEl.querySelector<HTMLInputElement>(`.vtable-row[data-position="${target}"] input`)?.focus();
  }
}
