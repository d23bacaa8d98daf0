// Import LDAP users page (TWCloud's "Import LDAP users"): pick a directory or all of them, type a
// query (a live hint says how it will be read), search, select rows, choose roles for new users,
// preview what will change, then import with progress and cancel, and read the report.
//
// Element ids (stable, for the e2e tests; text fields are vscode-textfield: type into their inner
// `input`, e.g. `#import-query input`):
//   #import-realm            vscode-single-select: "all" or a realm id
//   #import-mode             vscode-single-select: auto | username | keyword | filter
//   #import-query            vscode-textfield (Enter searches)
//   #import-query-hint       live hint (class "invalid" when Search is not possible)
//   #import-search           Search button
//   #import-status           result count / timing (role=status)
//   #import-error            error banner (role=alert inside)
//   #import-filter           vscode-textfield filtering the shown rows
//   #import-selection        "N selected" text
//   #import-results          the results grid (virtualized); see virtualTable.ts for
//                            #import-results-select-all, #import-results-sort-<username|displayName|
//                            email|department|realm|status|disabled>, rows `.vtable-row[data-key]`
//                            whose check box is labelled "Select <username> (<realm>)"
//   #import-roles            vscode-multi-select of roles for new users (option value = role id)
//   #import-copy-roles       "Copy roles from user…" button → #import-copy-user (vscode-textfield)
//                            and #import-copy-apply; result text in #import-copy-status
//   #import-run              "Import/Resync…" button: asks for a preview first
//   #import-preview          preview section: #import-preview-report (-summary, -changes,
//                            -conflicts, -failed), #import-confirm, #import-back
//   #import-progress         progress section: #import-progress-bar (<progress>),
//                            #import-progress-text, #import-cancel
//   #import-report           report section after an import: #import-report-result (-summary, …),
//                            #import-done
import type { SearchMode } from '../../protocol/model';
import {
  ImportReady,
  ImportRolesOfUser,
  ImportRun,
  ImportSearch,
  WebviewCancel,
  WebviewProgress,
  WebviewStoreChanged,
  type ImportBootstrap,
  type ImportRow,
  type ImportRunParams,
} from '../../protocol/webview';
import { reportView } from '../common/changeTable';
import { byId, h, replaceChildren } from '../common/dom';
import type { Button, MultiSelect, SingleSelect, TextField } from '../common/elements';
import '../common/elements';
import { clearBanner, errorMessage, isCancelled, showBanner } from '../common/pageErrors';
import { DraftStore, sameShape } from '../common/pageState';
import { PageRpc, windowTransport } from '../common/rpc';
import { TableState } from '../common/tableState';
import { VirtualTable } from '../common/virtualTable';
import { vscodeApi } from '../common/vscodeApi';
import { describeQuery } from './queryHint';
import { importColumns, rowKey, rowSelectable, selectionsOf } from './importRows';

interface ImportDraft {
  realm: string;
  mode: string;
  query: string;
  searched: boolean;
  filter: string;
  sortKey: string | null;
  sortDirection: string;
  selected: string[];
  roleIds: number[];
  rolesTouched: boolean;
}

const api = vscodeApi();
const rpc = new PageRpc(windowTransport((m) => api.postMessage(m)));
const drafts = new DraftStore<ImportDraft>(
  api,
  { realm: '', mode: 'auto', query: '', searched: false, filter: '', sortKey: null, sortDirection: 'asc', selected: [], roleIds: [], rolesTouched: false },
  sameShape,
);
const state = new TableState<ImportRow>(importColumns.map((c) => ({ key: c.key, text: c.text })), rowKey, rowSelectable);
let boot: ImportBootstrap;
let busy = false;
let operationSeq = 0;
let currentOperation: string | null = null;

function select(id: string, label: string, options: { value: string; label: string; selected: boolean }[]): SingleSelect {
  return h(
    'vscode-single-select',
    { id, 'aria-label': label },
    ...options.map((o) => h('vscode-option', { value: o.value, selected: o.selected }, o.label)),
  ) as SingleSelect;
}

function realmName(realmValue: string): string | null {
  const realm = boot.realms.find((r) => String(r.id) === realmValue);
  return realm ? realm.name : null;
}

async function start(): Promise<void> {
  try {
    boot = await rpc.request(ImportReady, {});
  } catch (err) {
    replaceChildren(byId('app'), h('div', { class: 'banner error', role: 'alert', id: 'import-error' }, errorMessage(err)));
    return;
  }
  render();
}

function render(): void {
  const d = drafts.value;
  const realmValue =
    d.realm !== '' && (d.realm === 'all' || boot.realms.some((r) => String(r.id) === d.realm))
      ? d.realm
      : boot.preselectedRealmId !== null
        ? String(boot.preselectedRealmId)
        : 'all';
  state.restore({ sortKey: d.sortKey, sortDirection: d.sortDirection === 'desc' ? 'desc' : 'asc', filter: d.filter, selected: d.selected });
  const roleIds = d.rolesTouched ? d.roleIds : boot.defaultRoleIds;

  const realmSelect = select('import-realm', 'Directory', [
    { value: 'all', label: 'All directories', selected: realmValue === 'all' },
    ...boot.realms.map((r) => ({ value: String(r.id), label: r.enabled ? r.name : `${r.name} (disabled)`, selected: realmValue === String(r.id) })),
  ]);
  const modeSelect = select('import-mode', 'Query type', [
    { value: 'auto', label: 'Automatic', selected: d.mode === 'auto' },
    { value: 'username', label: 'Exact username', selected: d.mode === 'username' },
    { value: 'keyword', label: 'Keywords', selected: d.mode === 'keyword' },
    { value: 'filter', label: 'LDAP filter', selected: d.mode === 'filter' },
  ]);
  const query = h('vscode-textfield', {
    id: 'import-query',
    'aria-label': 'Query',
    'aria-describedby': 'import-query-hint',
    placeholder: 'username, keywords, * or (LDAP filter)',
    value: d.query,
  }) as TextField;
  const hint = h('p', { id: 'import-query-hint', class: 'hint', 'aria-live': 'polite' });
  const searchButton = h('vscode-button', { id: 'import-search' }, 'Search') as Button;
  const status = h('p', { id: 'import-status', role: 'status', class: 'muted' });
  const errorArea = h('div', { id: 'import-error', hidden: true });
  const filter = h('vscode-textfield', { id: 'import-filter', 'aria-label': 'Filter results', placeholder: 'Filter results', value: d.filter }) as TextField;
  const selection = h('span', { id: 'import-selection', class: 'muted', 'aria-live': 'polite' });
  const roles = h(
    'vscode-multi-select',
    { id: 'import-roles', 'aria-label': 'Roles for new users' },
    ...boot.roles.map((r) => h('vscode-option', { value: String(r.id), selected: roleIds.includes(r.id), description: r.description ?? '' }, r.name)),
  ) as MultiSelect;
  const rolesSummary = h('p', { id: 'import-roles-summary', class: 'muted', 'aria-live': 'polite' });
  const showRoles = (ids: number[]) => {
    const names = boot.roles.filter((r) => ids.includes(r.id)).map((r) => r.name);
    rolesSummary.textContent = names.length > 0 ? `New users get: ${names.join(', ')}.` : 'New users get no role.';
  };
  const copyButton = h('vscode-button', { id: 'import-copy-roles', secondary: true }, 'Copy roles from user…') as Button;
  const copyUser = h('vscode-textfield', { id: 'import-copy-user', 'aria-label': 'Username to copy roles from', placeholder: 'username' }) as TextField;
  const copyApply = h('vscode-button', { id: 'import-copy-apply', secondary: true }, 'Copy Roles') as Button;
  const copyStatus = h('span', { id: 'import-copy-status', class: 'muted', role: 'status' });
  const copyRow = h('div', { class: 'row', id: 'import-copy-row', hidden: true }, copyUser, copyApply, copyStatus);
  const runButton = h('vscode-button', { id: 'import-run', disabled: true }, 'Import/Resync…') as Button;
  const readOnlyNote = boot.readOnly
    ? h('div', { class: 'banner warning', role: 'status' }, 'The user registry is open read-only: you can search and preview, but not import.')
    : null;
  const noRealms =
    boot.realms.length === 0 ? h('div', { class: 'banner warning', role: 'status' }, 'No LDAP directory has been added yet. Use “Add LDAP Directory” first.') : null;

  const table = new VirtualTable<ImportRow>({
    id: 'import-results',
    label: 'LDAP entries found',
    columns: importColumns,
    state,
    rowLabel: (row) => `Select ${row.username} (${row.realmName})`,
    emptyText: 'No results yet: type a query and press Enter or Search.',
    onSelectionChange: () => updateSelection(),
  });

  const previewSection = h('section', { id: 'import-preview', hidden: true, 'aria-labelledby': 'import-preview-title' });
  const progressSection = h('section', { id: 'import-progress', hidden: true, 'aria-label': 'Import progress' });
  const reportSection = h('section', { id: 'import-report', hidden: true, 'aria-labelledby': 'import-report-title' });

  replaceChildren(
    byId('app'),
    h('h1', {}, 'Import LDAP users'),
    noRealms,
    readOnlyNote,
    h(
      'div',
      { class: 'row', role: 'search' },
      h('div', { class: 'field' }, h('vscode-label', { for: 'import-realm' }, 'Directory'), realmSelect),
      h('div', { class: 'field' }, h('vscode-label', { for: 'import-mode' }, 'Query type'), modeSelect),
      h('div', { class: 'field grow' }, h('vscode-label', { for: 'import-query' }, 'Query'), query),
      h('div', { class: 'field' }, searchButton),
    ),
    hint,
    errorArea,
    status,
    h('div', { class: 'row' }, h('div', { class: 'field grow' }, filter), selection),
    table.element,
    h(
      'fieldset',
      {},
      h('legend', {}, 'Roles for new users'),
      h('p', { class: 'muted' }, 'New users get these roles; users imported before keep their roles and only get their information updated.'),
      h('div', { class: 'row' }, h('div', { class: 'field grow' }, roles), h('div', { class: 'field' }, copyButton)),
      rolesSummary,
      copyRow,
    ),
    h('div', { class: 'actions' }, runButton),
    previewSection,
    progressSection,
    reportSection,
  );
  byId('app').removeAttribute('aria-busy');

  // The selects' own values are not readable until their options are slotted (asynchronously):
  // the page keeps the chosen realm and mode itself.
  let chosenRealm = realmValue;
  let chosenMode: SearchMode = (['auto', 'username', 'keyword', 'filter'] as const).find((m) => m === d.mode) ?? 'auto';
  const currentRealm = () => (chosenRealm === 'all' ? null : Number(chosenRealm));
  const updateHint = () => {
    const described = describeQuery(query.value, chosenMode, realmName(chosenRealm));
    hint.textContent = described.text;
    hint.classList.toggle('invalid', described.kind === 'invalid');
    searchButton.disabled = busy || !described.searchable;
    return described;
  };
  const updateSelection = () => {
    const count = state.selectedCount;
    selection.textContent = count === 0 ? '' : `${count} selected`;
    runButton.disabled = busy || count === 0;
    drafts.update({ selected: state.snapshot().selected });
  };
  const setBusy = (value: boolean) => {
    busy = value;
    updateHint();
    updateSelection();
  };

  const search = async () => {
    if (!updateHint().searchable || busy) {
      return;
    }
    setBusy(true);
    clearBanner(errorArea);
    status.replaceChildren(h('vscode-progress-ring', { 'aria-label': 'Searching' }), ' Searching…');
    try {
      const result = await rpc.request(ImportSearch, { realmId: currentRealm(), query: query.value.trim(), mode: chosenMode });
      state.setRows(result.rows);
      table.refresh();
      drafts.update({ searched: true });
      status.textContent =
        `${result.rows.length} ${result.rows.length === 1 ? 'entry' : 'entries'} in ${result.elapsedMs} ms` +
        (result.truncated ? ` — only the first ${boot.searchLimit} per directory; narrow the query to see the rest.` : '.');
      if (result.failures.length > 0) {
        showBanner(errorArea, result.failures.map((f) => `${f.realmName}: ${f.message}`).join(' '), 'warning');
      }
    } catch (err) {
      status.textContent = '';
      showBanner(errorArea, errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const run = async (dryRun: boolean) => {
    const params: ImportRunParams = {
      operationId: `import-${++operationSeq}`,
      selections: selectionsOf(state.selectedRows()),
      roleIds: roles.value.map(Number).filter((n) => Number.isInteger(n) && n > 0),
      dryRun,
    };
    return rpc.request(ImportRun, params).finally(() => {
      currentOperation = null;
    });
  };

  const showPreview = async () => {
    // A click can land while a search is still running (the button is disabled, but custom
    // elements still receive clicks): nothing to preview until the rows are there.
    if (busy || state.selectedRows().length === 0) {
      return;
    }
    setBusy(true);
    clearBanner(errorArea);
    reportSection.hidden = true;
    replaceChildren(previewSection, h('h2', { id: 'import-preview-title' }, 'Preview'), h('p', { class: 'muted' }, h('vscode-progress-ring', { 'aria-label': 'Preparing preview' }), ' Comparing with the registry…'));
    previewSection.hidden = false;
    try {
      const { report } = await run(true);
      const confirm = h('vscode-button', { id: 'import-confirm', disabled: boot.readOnly || report.created + report.updated === 0 }, 'Import') as Button;
      const back = h('vscode-button', { id: 'import-back', secondary: true }, 'Back') as Button;
      const newNames = state.selectedRows().filter((r) => r.status === 'new').map((r) => r.username);
      replaceChildren(
        previewSection,
        h('h2', { id: 'import-preview-title' }, 'Preview — nothing has been written yet'),
        reportView(report, true, 'import-preview-report'),
        newNames.length > 0 &&
          h(
            'div',
            { id: 'import-preview-new' },
            h('h3', {}, `New external users (${newNames.length})`),
            h('p', {}, newNames.slice(0, 50).join(', ') + (newNames.length > 50 ? ` and ${newNames.length - 50} more` : '')),
            h('p', { class: 'muted' }, rolesSummary.textContent ?? ''),
          ),
        h('div', { class: 'actions' }, confirm, back),
      );
      confirm.addEventListener('click', () => void runImport());
      back.addEventListener('click', () => {
        previewSection.hidden = true;
        runButton.focus();
      });
      confirm.focus();
    } catch (err) {
      previewSection.hidden = true;
      showBanner(errorArea, errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const runImport = async () => {
    setBusy(true);
    previewSection.hidden = true;
    const bar = h('progress', { id: 'import-progress-bar', 'aria-label': 'Import progress' });
    const text = h('span', { id: 'import-progress-text', role: 'status' }, 'Starting…');
    const cancel = h('vscode-button', { id: 'import-cancel', secondary: true }, 'Cancel') as Button;
    replaceChildren(progressSection, h('div', { class: 'progress-row' }, bar, text, cancel));
    progressSection.hidden = false;
    const opId = `import-${operationSeq + 1}`;
    currentOperation = opId;
    cancel.addEventListener('click', () => {
      cancel.disabled = true;
      text.textContent = 'Cancelling…';
      void rpc.request(WebviewCancel, { operationId: opId }).catch(() => undefined);
    });
    cancel.focus();
    try {
      const { report, realms } = await run(false);
      const done = h('vscode-button', { id: 'import-done', secondary: true }, 'Close Report') as Button;
      replaceChildren(
        reportSection,
        h('h2', { id: 'import-report-title' }, 'Import report'),
        realms.length > 1 ? h('p', { class: 'muted' }, realms.map((r) => `${r.realmName}: ${r.report.created} created, ${r.report.updated} updated`).join(' · ')) : null,
        reportView(report, false, 'import-report-result'),
        h('div', { class: 'actions' }, done),
      );
      reportSection.hidden = false;
      done.addEventListener('click', () => {
        reportSection.hidden = true;
      });
      state.setAllShown(false);
      void refreshStatuses();
    } catch (err) {
      if (isCancelled(err)) {
        showBanner(errorArea, 'Import cancelled: nothing was written for the directory being imported.', 'warning');
      } else {
        showBanner(errorArea, errorMessage(err));
      }
    } finally {
      progressSection.hidden = true;
      setBusy(false);
    }
  };

  /** After an import, search again so the status column shows what the registry holds now. */
  const refreshStatuses = async () => {
    try {
      const result = await rpc.request(ImportSearch, { realmId: currentRealm(), query: query.value.trim(), mode: chosenMode });
      state.setRows(result.rows);
      table.refresh();
      updateSelection();
    } catch {
      // The report is what matters; statuses refresh on the next search.
    }
  };

  rpc.onNotification(WebviewProgress, (p) => {
    if (p.operationId !== currentOperation) {
      return;
    }
    const bar = document.getElementById('import-progress-bar') as HTMLProgressElement | null;
    const text = document.getElementById('import-progress-text');
    if (bar && p.total) {
      bar.max = p.total;
      bar.value = p.done;
    }
    if (text) {
      text.textContent = p.total ? `${p.message} (${p.done} of ${p.total})` : p.message;
    }
  });
  rpc.onNotification(WebviewStoreChanged, () => undefined);

  realmSelect.addEventListener('change', () => {
    chosenRealm = realmSelect.value || 'all';
    drafts.updateNow({ realm: chosenRealm });
    updateHint();
  });
  modeSelect.addEventListener('change', () => {
    chosenMode = (modeSelect.value as SearchMode) || 'auto';
    drafts.updateNow({ mode: chosenMode });
    updateHint();
  });
  query.addEventListener('input', () => {
    drafts.update({ query: query.value });
    updateHint();
  });
  query.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      void search();
    }
  });
  searchButton.addEventListener('click', () => void search());
  filter.addEventListener('input', () => {
    state.setFilter(filter.value);
    table.refresh();
    drafts.update({ filter: filter.value });
  });
  table.element.addEventListener('click', () => {
    const s = state.snapshot();
    drafts.update({ sortKey: s.sortKey, sortDirection: s.sortDirection });
  });
  roles.addEventListener('change', () => {
    drafts.updateNow({ roleIds: roles.value.map(Number), rolesTouched: true });
    showRoles(roles.value.map(Number));
  });
  showRoles(roleIds);
  copyButton.addEventListener('click', () => {
    copyRow.hidden = !copyRow.hidden;
    if (!copyRow.hidden) {
      copyUser.focus();
    }
  });
  const copyRoles = async () => {
    const username = copyUser.value.trim();
    if (!username) {
      copyStatus.textContent = 'Type the username whose roles to copy.';
      return;
    }
    try {
      const result = await rpc.request(ImportRolesOfUser, { username });
      roles.value = result.roleIds.map(String);
      drafts.updateNow({ roleIds: result.roleIds, rolesTouched: true });
      showRoles(result.roleIds);
      const names = boot.roles.filter((r) => result.roleIds.includes(r.id)).map((r) => r.name);
      copyStatus.textContent = names.length > 0 ? `Copied from ${result.username}: ${names.join(', ')}.` : `${result.username} has no roles.`;
    } catch (err) {
      copyStatus.textContent = errorMessage(err);
    }
  };
  copyApply.addEventListener('click', () => void copyRoles());
  copyUser.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      void copyRoles();
    }
  });
  runButton.addEventListener('click', () => void showPreview());

  updateHint();
  table.refresh();
  updateSelection();
  if (d.searched && d.query.trim() !== '') {
    void search();
  }
  window.addEventListener('pagehide', () => drafts.flush());
}

void start();
