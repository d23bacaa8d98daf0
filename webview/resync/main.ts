// Resynchronize dialog (TWCloud's Resynchronize): select the realm the user came from, tick the
// matching LDAP entry (an entry with the user's UUID is marked as such), Start shows the
// field-by-field changes without writing, Save applies them, Cancel leaves everything as it was.
//
// Element ids (stable, for the e2e tests):
//   #resync-user             who is being resynchronized (username, DN)
//   #resync-realm            vscode-single-select "Select realm" (option value = realm id)
//   #resync-candidates       list of matching entries; each check box is
//                            `input[type=checkbox][data-uuid][data-dn]`, labelled with the entry's
//                            username; an entry matching the user's UUID has `.uuid-match` text
//                            "UUID match" and `data-uuid-match="true"` on its <li>
//   #resync-status           role=status line (loading, counts)
//   #resync-error            error banner
//   #resync-start            Start (dry run) → #resync-changes (table.changes, rows [data-field])
//   #resync-save             Save (enabled after Start) → #resync-result (role=status)
//   #resync-cancel           Cancel: clears the preview, writes nothing
import type { DirectoryEntry } from '../../protocol/model';
import {
  ResyncCandidates,
  ResyncReady,
  ResyncSave,
  ResyncStart,
  WebviewStoreChanged,
  type ResyncBootstrap,
  type ResyncPickParams,
} from '../../protocol/webview';
import { changeTable } from '../common/changeTable';
import { byId, h, replaceChildren } from '../common/dom';
import type { Button, SingleSelect } from '../common/elements';
import '../common/elements';
import { clearBanner, errorMessage, showBanner } from '../common/pageErrors';
import { DraftStore, sameShape } from '../common/pageState';
import { PageRpc, windowTransport } from '../common/rpc';
import { vscodeApi } from '../common/vscodeApi';
import { candidateLabel, isUuidMatch, orderCandidates } from './candidates';

interface ResyncDraft {
  realm: string;
  checked: string;
}

const api = vscodeApi();
const rpc = new PageRpc(windowTransport((m) => api.postMessage(m)));
const drafts = new DraftStore<ResyncDraft>(api, { realm: '', checked: '' }, sameShape);
let boot: ResyncBootstrap;

async function start(): Promise<void> {
  try {
    boot = await rpc.request(ResyncReady, {});
  } catch (err) {
    replaceChildren(byId('app'), h('div', { class: 'banner error', role: 'alert', id: 'resync-error' }, errorMessage(err)));
    return;
  }
  render();
}

function render(): void {
  const user = boot.user;
  const d = drafts.value;
  const realmValue =
    d.realm !== '' && boot.realms.some((r) => String(r.id) === d.realm) ? d.realm : boot.defaultRealmId !== null ? String(boot.defaultRealmId) : '';
  const realmSelect = h(
    'vscode-single-select',
    { id: 'resync-realm', 'aria-label': 'Select realm' },
    h('vscode-option', { value: '', selected: realmValue === '' }, 'Select a realm…'),
    ...boot.realms.map((r) => h('vscode-option', { value: String(r.id), selected: realmValue === String(r.id) }, r.name)),
  ) as SingleSelect;
  const list = h('ul', { id: 'resync-candidates', class: 'check-list', 'aria-label': 'Matching LDAP entries' });
  const status = h('p', { id: 'resync-status', role: 'status', class: 'muted' });
  const errorArea = h('div', { id: 'resync-error', hidden: true });
  const startButton = h('vscode-button', { id: 'resync-start', disabled: true }, 'Start') as Button;
  const saveButton = h('vscode-button', { id: 'resync-save', disabled: true }, 'Save') as Button;
  const cancelButton = h('vscode-button', { id: 'resync-cancel', secondary: true }, 'Cancel') as Button;
  const changes = h('section', { id: 'resync-preview', 'aria-label': 'Changes', hidden: true });
  const result = h('p', { id: 'resync-result', role: 'status' });

  replaceChildren(
    byId('app'),
    h('h1', {}, 'Resynchronize'),
    h(
      'p',
      { id: 'resync-user' },
      'Update ',
      h('strong', {}, user.displayName || user.username),
      ` (${user.username}) with the information of the matching LDAP user.`,
      user.ldapDn ? h('span', { class: 'muted' }, ` Imported from ${user.ldapDn}.`) : null,
    ),
    boot.readOnly ? h('div', { class: 'banner warning', role: 'status' }, 'The user registry is open read-only: Start shows the changes, Save is not possible.') : null,
    h('div', { class: 'field' }, h('vscode-label', { for: 'resync-realm' }, 'Select realm'), realmSelect),
    status,
    errorArea,
    list,
    h('div', { class: 'actions' }, startButton, saveButton, cancelButton),
    changes,
    result,
  );
  byId('app').removeAttribute('aria-busy');

  let entries: DirectoryEntry[] = [];
  // The select's value is not readable until its options are slotted: the page keeps the choice.
  let chosenRealm = realmValue;
  let previewed: ResyncPickParams | null = null;

  const checkedBoxes = () => [...list.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')];
  const pick = (): ResyncPickParams | null => {
    const boxes = checkedBoxes();
    if (boxes.length !== 1 || !chosenRealm) {
      return null;
    }
    const box = boxes[0]!;
    return { realmId: Number(chosenRealm), uuid: box.dataset.uuid || undefined, dn: box.dataset.dn || undefined };
  };
  const clearPreview = () => {
    previewed = null;
    changes.hidden = true;
    changes.replaceChildren();
    saveButton.disabled = true;
  };
  const updateButtons = () => {
    const count = checkedBoxes().length;
    startButton.disabled = count !== 1;
    if (count > 1) {
      status.textContent = 'Tick one entry: a user is resynchronized from exactly one LDAP entry.';
    }
  };

  const loadCandidates = async () => {
    clearPreview();
    clearBanner(errorArea);
    list.replaceChildren();
    result.textContent = '';
    drafts.updateNow({ realm: chosenRealm });
    if (!chosenRealm) {
      status.textContent = 'Select the realm the user was imported from.';
      updateButtons();
      return;
    }
    status.replaceChildren(h('vscode-progress-ring', { 'aria-label': 'Searching' }), ' Looking for matching LDAP users…');
    try {
      entries = orderCandidates((await rpc.request(ResyncCandidates, { realmId: Number(chosenRealm) })).entries, user);
    } catch (err) {
      status.textContent = '';
      showBanner(errorArea, errorMessage(err));
      return;
    }
    status.textContent =
      entries.length === 0
        ? 'No LDAP user in this realm matches (by UUID or username). The user may have been removed or renamed in the directory.'
        : `${entries.length} matching LDAP ${entries.length === 1 ? 'user' : 'users'}.`;
    const restore = drafts.value.checked;
    list.replaceChildren(
      ...entries.map((e, i) => {
        const match = isUuidMatch(e, user);
        const box = h('input', { type: 'checkbox', id: `resync-candidate-${i}`, 'data-uuid': e.uuid, 'data-dn': e.dn });
        box.checked = restore !== '' ? restore === (e.uuid || e.dn) : entries.length === 1 || match;
        return h(
          'li',
          { 'data-uuid-match': match ? 'true' : 'false', 'data-username': e.username },
          h('label', { class: 'inline', for: `resync-candidate-${i}` }, box, h('strong', {}, candidateLabel(e)), match ? h('span', { class: 'tag uuid-match' }, 'UUID match') : null, e.disabled ? h('span', { class: 'tag' }, 'disabled in LDAP') : null),
          h('span', { class: 'muted mono' }, e.dn),
        );
      }),
    );
    updateButtons();
  };

  list.addEventListener('change', (ev) => {
    const box = ev.target as HTMLInputElement;
    clearPreview();
    // One entry at a time: ticking one unticks the others (still check boxes, as in TWCloud).
    if (box.checked) {
      for (const other of checkedBoxes()) {
        if (other !== box) {
          other.checked = false;
        }
      }
    }
    drafts.updateNow({ checked: box.checked ? box.dataset.uuid || box.dataset.dn || '' : '' });
    updateButtons();
  });
  realmSelect.addEventListener('change', () => {
    chosenRealm = realmSelect.value;
    drafts.updateNow({ checked: '' });
    void loadCandidates();
  });

  startButton.addEventListener('click', async () => {
    const params = pick();
    if (!params) {
      return;
    }
    clearBanner(errorArea);
    result.textContent = '';
    startButton.disabled = true;
    try {
      const { changes: fieldChanges } = await rpc.request(ResyncStart, params);
      previewed = params;
      replaceChildren(changes, h('h2', {}, 'Changes (not saved yet)'), changeTable(fieldChanges, 'resync-changes'));
      changes.hidden = false;
      saveButton.disabled = boot.readOnly;
      if (!boot.readOnly) {
        saveButton.focus();
      }
    } catch (err) {
      showBanner(errorArea, errorMessage(err));
    } finally {
      updateButtons();
    }
  });
  saveButton.addEventListener('click', async () => {
    if (!previewed) {
      return;
    }
    saveButton.disabled = true;
    try {
      const saved = await rpc.request(ResyncSave, previewed);
      boot.user = saved.user;
      result.textContent =
        saved.changes.length === 0 ? `${saved.user.username} was already up to date.` : `Saved: ${saved.changes.length} ${saved.changes.length === 1 ? 'field' : 'fields'} of ${saved.user.username} updated from LDAP.`;
      previewed = null;
    } catch (err) {
      saveButton.disabled = false;
      showBanner(errorArea, errorMessage(err));
    }
  });
  cancelButton.addEventListener('click', () => {
    clearPreview();
    for (const box of checkedBoxes()) {
      box.checked = false;
    }
    drafts.update({ checked: '' });
    updateButtons();
    result.textContent = 'Cancelled: nothing was changed.';
  });
  rpc.onNotification(WebviewStoreChanged, () => undefined);

  void loadCandidates();
  window.addEventListener('pagehide', () => drafts.flush());
}

void start();
