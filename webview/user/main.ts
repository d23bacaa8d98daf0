// User detail page (TWCloud's User detail): for an external user the LDAP fields are read-only,
// with realm, DN, UUID, last sync and LDAP state, and Resynchronize / Convert buttons; for an
// internal user the fields are editable. Roles and login can be changed for both; recent audit
// entries are listed.
//
// Element ids (stable, for the e2e tests; text fields are vscode-textfield: type into `… input`):
//   #user-title              heading (display name)
//   #user-category           "External user" / "Internal user"
//   #user-fields             dl of fields; each value is `dd[data-field=<field>]` (external)
//                            or vscode-textfield #user-field-<field> (internal) + #user-save-fields
//   #user-ldap               dl with dd[data-field=realm|ldapDn|ldapUuid|syncedAt|ldapState]
//   #user-roles              vscode-multi-select (option value = role id), #user-save-roles
//   #user-login              vscode-checkbox "Login enabled"
//   #user-resync             Resynchronize… (external only)   #user-convert  Convert to …
//   #user-audit              table of recent audit entries (rows [data-action])
//   #user-status             role=status line   #user-error  error banner
import { userInfoFields, type UserDetail, type UserInfoField } from '../../protocol/model';
import type { UserFields } from '../../protocol/rpc';
import {
  UserPageConvert,
  UserPageReady,
  UserPageResync,
  UserPageSaveFields,
  UserPageSetLogin,
  UserPageSetRoles,
  WebviewStoreChanged,
  type UserPageBootstrap,
} from '../../protocol/webview';
import { changeLines, changeText, fieldLabel } from '../common/changeView';
import { byId, h, replaceChildren } from '../common/dom';
import type { Button, Checkbox, MultiSelect, TextField } from '../common/elements';
import '../common/elements';
import { clearBanner, errorMessage, showBanner } from '../common/pageErrors';
import { DraftStore, sameShape } from '../common/pageState';
import { PageRpc, windowTransport } from '../common/rpc';
import { vscodeApi } from '../common/vscodeApi';

interface UserDraft {
  userId: number;
  fields: Record<string, string>;
  roleIds: number[];
  rolesTouched: boolean;
}

const api = vscodeApi();
const rpc = new PageRpc(windowTransport((m) => api.postMessage(m)));
const drafts = new DraftStore<UserDraft>(api, { userId: 0, fields: {}, roleIds: [], rolesTouched: false }, sameShape);
let boot: UserPageBootstrap;
let saving = false;

function formatDate(iso: string | undefined): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

async function load(): Promise<void> {
  try {
    boot = await rpc.request(UserPageReady, {});
  } catch (err) {
    replaceChildren(byId('app'), h('div', { class: 'banner error', role: 'alert', id: 'user-error' }, errorMessage(err)));
    return;
  }
  if (drafts.value.userId !== boot.detail.user.id) {
    drafts.update({ userId: boot.detail.user.id, fields: {}, roleIds: [], rolesTouched: false });
  }
  render();
}

function render(): void {
  const detail = boot.detail;
  const user = detail.user;
  const external = user.category === 'external';
  const editable = !external && !boot.readOnly;
  const d = drafts.value;
  const realm = user.realmId !== undefined ? boot.realms.find((r) => r.id === user.realmId) : undefined;

  const status = h('p', { id: 'user-status', role: 'status', class: 'muted' });
  const errorArea = h('div', { id: 'user-error', hidden: true });
  const fieldInputs = new Map<UserInfoField, TextField>();
  const fieldRows = userInfoFields.map((f) => {
    const value = (user[f] ?? '') as string;
    if (!editable || f === 'username') {
      return [h('dt', {}, fieldLabel(f)), h('dd', { 'data-field': f }, value || '—')];
    }
    const draft = d.fields[f];
    const input = h('vscode-textfield', { id: `user-field-${f}`, value: typeof draft === 'string' ? draft : value, 'aria-label': fieldLabel(f) }) as TextField;
    fieldInputs.set(f, input);
    return [h('dt', {}, h('label', { for: `user-field-${f}` }, fieldLabel(f))), h('dd', {}, input)];
  });
  const saveFields = editable ? (h('vscode-button', { id: 'user-save-fields' }, 'Save Changes') as Button) : null;
  const roleIds = d.rolesTouched ? d.roleIds : detail.roles.map((r) => r.roleId);
  const roles = h(
    'vscode-multi-select',
    { id: 'user-roles', 'aria-label': 'Roles', disabled: boot.readOnly },
    ...boot.roles.map((r) => h('vscode-option', { value: String(r.id), selected: roleIds.includes(r.id) }, r.name)),
  ) as MultiSelect;
  const saveRoles = h('vscode-button', { id: 'user-save-roles', secondary: true, disabled: boot.readOnly }, 'Save Roles') as Button;
  const login = h('vscode-checkbox', { id: 'user-login', checked: user.loginEnabled, disabled: boot.readOnly }, 'Login enabled') as Checkbox;
  login.checked = user.loginEnabled;
  const resync = external ? (h('vscode-button', { id: 'user-resync', disabled: boot.readOnly }, 'Resynchronize…') as Button) : null;
  const convert = h('vscode-button', { id: 'user-convert', secondary: true, disabled: boot.readOnly }, external ? 'Convert to Internal User…' : 'Convert to External User…') as Button;
  const ldapState = user.missingSince
    ? `missing from LDAP since ${formatDate(user.missingSince)}`
    : user.ldapDisabled
      ? 'disabled in LDAP'
      : 'active in LDAP';

  replaceChildren(
    byId('app'),
    h('h1', { id: 'user-title' }, user.displayName || user.username),
    h('p', { id: 'user-category', class: 'muted' }, external ? `External user from ${realm?.name ?? 'a removed directory'}` : 'Internal user'),
    boot.readOnly ? h('div', { class: 'banner warning', role: 'status' }, 'The user registry is open read-only: nothing can be changed here.') : null,
    errorArea,
    h('h2', {}, external ? 'Information (from LDAP, read-only)' : 'Information'),
    h('dl', { class: 'props', id: 'user-fields' }, ...fieldRows.flat()),
    saveFields && h('div', { class: 'actions' }, saveFields),
    external
      ? h(
          'div',
          {},
          h('h2', {}, 'LDAP'),
          h(
            'dl',
            { class: 'props', id: 'user-ldap' },
            h('dt', {}, 'Realm'),
            h('dd', { 'data-field': 'realm' }, realm?.name ?? `removed (id ${user.realmId ?? '—'})`),
            h('dt', {}, 'DN'),
            h('dd', { 'data-field': 'ldapDn', class: 'mono' }, user.ldapDn ?? '—'),
            h('dt', {}, 'UUID'),
            h('dd', { 'data-field': 'ldapUuid', class: 'mono' }, user.ldapUuid ?? '—'),
            h('dt', {}, 'Imported'),
            h('dd', { 'data-field': 'importedAt' }, formatDate(user.importedAt)),
            h('dt', {}, 'Last sync'),
            h('dd', { 'data-field': 'syncedAt' }, formatDate(user.syncedAt)),
            h('dt', {}, 'LDAP state'),
            h('dd', { 'data-field': 'ldapState' }, ldapState),
          ),
        )
      : null,
    h('h2', {}, 'Access'),
    h('div', { class: 'row' }, h('div', { class: 'field grow' }, h('vscode-label', { for: 'user-roles' }, 'Roles'), roles), h('div', { class: 'field' }, saveRoles)),
    h('div', { class: 'field' }, login),
    h('div', { class: 'actions' }, resync, convert),
    status,
    h('h2', {}, 'Recent changes'),
    auditTable(detail),
  );
  byId('app').removeAttribute('aria-busy');

  const act = async (what: string, request: () => Promise<{ detail: UserDetail } | null>) => {
    if (saving) return;
    saving = true;
    clearBanner(errorArea);
    status.textContent = `${what}…`;
    try {
      const result = await request();
      if (result) {
        boot.detail = result.detail;
        drafts.update({ fields: {}, roleIds: [], rolesTouched: false });
        render();
        byId('user-status').textContent = `${what}: done.`;
      } else {
        status.textContent = '';
      }
    } catch (err) {
      status.textContent = '';
      showBanner(errorArea, errorMessage(err));
    } finally {
      saving = false;
    }
  };

  for (const [f, input] of fieldInputs) {
    input.addEventListener('input', () => drafts.update({ fields: { ...drafts.value.fields, [f]: input.value } }));
  }
  saveFields?.addEventListener('click', () => {
    const fields: UserFields = {};
    for (const [f, input] of fieldInputs) {
      if (f !== 'username' && input.value !== ((user[f] ?? '') as string)) {
        fields[f as keyof UserFields] = input.value;
      }
    }
    if (Object.keys(fields).length === 0) {
      status.textContent = 'Nothing to save.';
      return;
    }
    void act('Saving', () => rpc.request(UserPageSaveFields, { fields }));
  });
  roles.addEventListener('change', () => drafts.updateNow({ roleIds: roles.value.map(Number), rolesTouched: true }));
  saveRoles.addEventListener('click', () => void act('Saving roles', () => rpc.request(UserPageSetRoles, { roleIds: roles.value.map(Number).filter((n) => n > 0) })));
  login.addEventListener('change', () => void act(login.checked ? 'Enabling login' : 'Disabling login', () => rpc.request(UserPageSetLogin, { enabled: login.checked })));
  resync?.addEventListener('click', () => {
    rpc.request(UserPageResync, {}).catch((err: unknown) => showBanner(errorArea, errorMessage(err)));
  });
  convert.addEventListener('click', () => void act('Converting', () => rpc.request(UserPageConvert, {})));
}

function auditTable(detail: UserDetail): HTMLElement {
  if (detail.audit.length === 0) {
    return h('p', { id: 'user-audit', class: 'muted' }, 'No recorded changes.');
  }
  return h(
    'table',
    { class: 'simple', id: 'user-audit' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Who'), h('th', { scope: 'col' }, 'Action'), h('th', { scope: 'col' }, 'Changes'))),
    h(
      'tbody',
      {},
      ...detail.audit.map((a) =>
        h(
          'tr',
          { 'data-action': a.action },
          h('td', {}, formatDate(a.at)),
          h('td', {}, a.actor),
          h('td', {}, a.action),
          h('td', {}, changeLines(a.changes).map(changeText).join('; ')),
        ),
      ),
    ),
  );
}

rpc.onNotification(WebviewStoreChanged, (change) => {
  // Another panel or a command changed this user: show the registry's state (drafts stay).
  if (!saving && boot && (change.userIds === undefined || change.userIds.includes(boot.detail.user.id))) {
    void load();
  }
});
window.addEventListener('pagehide', () => drafts.flush());
void load();
