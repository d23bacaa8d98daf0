// DOM for field changes and operation reports, from the lines changeView.ts computes.
import type { FieldChange, OperationReport } from '../../protocol/model';
import { changeLines, changeText, reportSummary } from './changeView';
import { h } from './dom';

/** A table Field | Before | After; `id` names it for tests. */
export function changeTable(changes: FieldChange[], id?: string): HTMLElement {
  const lines = changeLines(changes);
  if (lines.length === 0) {
    return h('p', { class: 'muted', id }, 'No field changes: the registry already matches the directory.');
  }
  return h(
    'table',
    { class: 'simple changes', id },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
    h(
      'tbody',
      {},
      ...lines.map((line) =>
        h(
          'tr',
          { 'data-field': line.field, 'data-kind': line.kind, 'aria-label': changeText(line) },
          h('th', { scope: 'row' }, line.label),
          h('td', { class: line.kind === 'added' ? 'muted' : 'diff-before' }, line.before),
          h('td', { class: line.kind === 'removed' ? 'muted' : 'diff-after' }, line.after),
        ),
      ),
    ),
  );
}

/**
 * An operation report (import preview or result): the summary line, then the updated users with
 * their field changes, the conflicts and the failures. `idPrefix` names its parts:
 * `<prefix>-summary`, `<prefix>-changes`, `<prefix>-conflicts`, `<prefix>-failed`.
 */
export function reportView(report: OperationReport, dryRun: boolean, idPrefix: string): HTMLElement {
  const changed = report.changes.filter((c) => c.fields.length > 0);
  const conflicts = report.conflictDetails ?? [];
  return h(
    'div',
    { class: 'report', id: idPrefix },
    h('p', { id: `${idPrefix}-summary`, role: 'status' }, reportSummary(report, dryRun)),
    changed.length > 0 &&
      h(
        'div',
        { id: `${idPrefix}-changes` },
        h('h3', {}, dryRun ? 'Field changes' : 'Changed'),
        ...changed.map((c) =>
          h('details', { 'data-username': c.username, open: changed.length <= 10 }, h('summary', {}, `${c.username} (${c.fields.length})`), changeTable(c.fields)),
        ),
      ),
    conflicts.length > 0 &&
      h(
        'div',
        { id: `${idPrefix}-conflicts` },
        h('h3', {}, 'Conflicts (nothing is overwritten)'),
        h('ul', {}, ...conflicts.map((f) => h('li', { 'data-username': f.username ?? '' }, `${f.username ?? f.dn ?? 'entry'}: ${f.reason}`))),
      ),
    report.failed.length > 0 &&
      h(
        'div',
        { id: `${idPrefix}-failed` },
        h('h3', {}, 'Failed'),
        h('ul', {}, ...report.failed.map((f) => h('li', { 'data-username': f.username ?? '' }, `${f.username ?? f.dn ?? 'entry'}: ${f.reason}`))),
      ),
  );
}
