// Directory editor (Add / Edit LDAP Directory): connection, TLS, bind account, search base and
// attribute mapping, with inline validation, a Test Connection that shows each step with its time
// and the first users found, and Save. The bind password is sent to the host only on Test/Save;
// the host keeps it in SecretStorage. It is never part of the page's HTML or its saved draft.
//
// Element ids (stable, for the e2e tests; text fields are vscode-textfield: type into their inner
// `input`, e.g. `#realm-url input`; each control's inline error is `#<id>-error`):
//   #realm-name  #realm-kind (openldap | activeDirectory | generic)  #realm-url
//   #realm-security (ldaps | starttls | none)  #realm-allow-insecure (vscode-checkbox, shown for none)
//   #realm-ca  #realm-ca-browse (button → host Open dialog)  #realm-tls-name
//   #realm-bind-dn  #realm-password (type=password)  #realm-password-state (stored or not)
//   #realm-base-dn  #realm-scope (sub | one)  #realm-user-filter
//   #realm-attr-<username|uuid|displayName|givenName|surname|email|department|title|phone>
//   #realm-page-size  #realm-connect-timeout  #realm-timeout  #realm-enabled (vscode-checkbox)
//   #realm-test (Test Connection)  #realm-save (Save)  #realm-status (role=status)  #realm-error
//   #realm-test-result: #realm-test-summary, table #realm-test-steps (rows [data-step][data-ok]),
//   #realm-test-sample (rows [data-username])
import { attributeMapFields, type AttributeMap, type RealmKind, type RealmTestResult, type SearchScope } from '../../protocol/model';
import { RealmEditorBrowseCa, RealmEditorReady, RealmEditorSave, RealmEditorTest, type RealmEditorBootstrap } from '../../protocol/webview';
import { byId, h, replaceChildren } from '../common/dom';
import type { Button, Checkbox, SingleSelect, TextField } from '../common/elements';
import '../common/elements';
import { clearBanner, errorField, errorMessage, isCancelled, showBanner } from '../common/pageErrors';
import { DraftStore } from '../common/pageState';
import { PageRpc, windowTransport } from '../common/rpc';
import { vscodeApi } from '../common/vscodeApi';
import {
  applyKind,
  emptyForm,
  formFieldOf,
  formFromRealm,
  kindPresets,
  realmInputOf,
  urlForSecurity,
  validateRealmForm,
  type FormErrors,
  type RealmFormValues,
  type Security,
} from './realmForm';

const api = vscodeApi();
const rpc = new PageRpc(windowTransport((m) => api.postMessage(m)));
let boot: RealmEditorBootstrap;
let realmId: number | undefined;
let testSeq = 0;

const attributeLabels: Record<keyof AttributeMap, string> = {
  username: 'Username',
  uuid: 'UUID (identity)',
  displayName: 'Display name',
  givenName: 'Given name',
  surname: 'Surname',
  email: 'Email',
  department: 'Department',
  title: 'Title',
  phone: 'Phone',
};

/** Form field key → element id. */
function controlId(field: string): string {
  const ids: Record<string, string> = {
    name: 'realm-name',
    kind: 'realm-kind',
    url: 'realm-url',
    security: 'realm-security',
    allowInsecure: 'realm-allow-insecure',
    caCertPath: 'realm-ca',
    tlsServerName: 'realm-tls-name',
    bindDn: 'realm-bind-dn',
    password: 'realm-password',
    baseDn: 'realm-base-dn',
    scope: 'realm-scope',
    userFilter: 'realm-user-filter',
    pageSize: 'realm-page-size',
    connectTimeoutMs: 'realm-connect-timeout',
    timeoutMs: 'realm-timeout',
    enabled: 'realm-enabled',
  };
  if (field.startsWith('attributes.')) {
    return `realm-attr-${field.slice('attributes.'.length)}`;
  }
  return ids[field] ?? `realm-${field}`;
}

function sanitizeDraft(stored: Record<string, unknown>, defaults: RealmFormValues): RealmFormValues {
  const out: RealmFormValues = { ...defaults, attributes: { ...defaults.attributes } };
  for (const key of Object.keys(defaults) as (keyof RealmFormValues)[]) {
    const value = stored[key];
    if (key === 'attributes') {
      if (value && typeof value === 'object') {
        for (const f of attributeMapFields) {
          const a = (value as Record<string, unknown>)[f];
          if (typeof a === 'string') out.attributes[f] = a;
        }
      }
    } else if (typeof value === typeof defaults[key]) {
      (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

async function start(): Promise<void> {
  try {
    boot = await rpc.request(RealmEditorReady, {});
  } catch (err) {
    replaceChildren(byId('app'), h('div', { class: 'banner error', role: 'alert', id: 'realm-error' }, errorMessage(err)));
    return;
  }
  realmId = boot.realm?.id;
  const initial = boot.realm ? formFromRealm(boot.realm) : emptyForm();
  // A draft belongs to the realm it was typed for.
  const stored = api.getState() as { realmId?: unknown; form?: unknown } | undefined;
  const draftFor = stored && (stored.realmId === (realmId ?? null)) && stored.form && typeof stored.form === 'object' ? (stored.form as Record<string, unknown>) : null;
  const drafts = new DraftStore<{ realmId: number | null; form: RealmFormValues }>(
    api,
    { realmId: realmId ?? null, form: draftFor ? sanitizeDraft(draftFor, initial) : initial },
    (_stored, defaults) => defaults,
  );
  render(drafts);
}

function render(drafts: DraftStore<{ realmId: number | null; form: RealmFormValues }>): void {
  let values = drafts.value.form;
  const errorsShown = new Set<string>();

  const text = (field: string, label: string, value: string, attrs: Record<string, string | boolean> = {}) => {
    const id = controlId(field);
    const control = h('vscode-textfield', { id, value, 'aria-describedby': `${id}-error`, ...attrs }) as TextField;
    return {
      control,
      el: h('div', { class: 'field' }, h('vscode-label', { for: id }, label), control, h('div', { class: 'field-error', id: `${id}-error`, role: 'alert' })),
    };
  };
  const selectOf = (field: string, label: string, value: string, options: [string, string][]) => {
    const id = controlId(field);
    const control = h(
      'vscode-single-select',
      { id, 'aria-describedby': `${id}-error` },
      ...options.map(([v, l]) => h('vscode-option', { value: v, selected: v === value }, l)),
    ) as SingleSelect;
    return {
      control,
      el: h('div', { class: 'field' }, h('vscode-label', { for: id }, label), control, h('div', { class: 'field-error', id: `${id}-error`, role: 'alert' })),
    };
  };
  const checkbox = (field: string, label: string, checked: boolean) => {
    const id = controlId(field);
    const control = h('vscode-checkbox', { id, checked, 'aria-describedby': `${id}-error` }, label) as Checkbox;
    control.checked = checked;
    return { control, el: h('div', { class: 'field' }, control, h('div', { class: 'field-error', id: `${id}-error`, role: 'alert' })) };
  };

  const name = text('name', 'Name', values.name, { placeholder: 'Corporate directory' });
  const kind = selectOf('kind', 'Kind', values.kind, [
    ['openldap', 'OpenLDAP'],
    ['activeDirectory', 'Active Directory'],
    ['generic', 'Other LDAPv3 directory'],
  ]);
  const url = text('url', 'URL', values.url, { placeholder: 'ldaps://ldap.example.org:636' });
  const security = selectOf('security', 'Security', values.security, [
    ['ldaps', 'LDAPS (TLS from the start)'],
    ['starttls', 'StartTLS (ldap:// upgraded to TLS)'],
    ['none', 'None (unencrypted)'],
  ]);
  const insecure = checkbox('allowInsecure', 'Allow sending the bind password without encryption (not recommended)', values.allowInsecure);
  const ca = text('caCertPath', 'CA certificate file (PEM)', values.caCertPath, { placeholder: 'Leave empty to use the system trust store' });
  const caBrowse = h('vscode-button', { id: 'realm-ca-browse', secondary: true }, 'Browse…') as Button;
  const tlsName = text('tlsServerName', 'TLS server name', values.tlsServerName, { placeholder: 'Host name in the certificate, if not the URL host' });
  const bindDn = text('bindDn', 'Bind DN', values.bindDn, { placeholder: kindPresets[values.kind].bindDnExample });
  const password = text('password', 'Bind password', '', {
    type: 'password',
    autocomplete: 'off',
    placeholder: boot.hasPassword ? 'Stored — leave empty to keep it' : 'Kept in VS Code secret storage',
  });
  const passwordState = h('p', { id: 'realm-password-state', class: 'muted' }, boot.hasPassword ? 'A password is stored for this URL and bind DN.' : 'No password stored yet.');
  const baseDn = text('baseDn', 'Base DN', values.baseDn, { placeholder: 'ou=people,dc=example,dc=org' });
  const scope = selectOf('scope', 'Search scope', values.scope, [
    ['sub', 'Whole subtree'],
    ['one', 'One level (direct children)'],
  ]);
  const userFilter = text('userFilter', 'User filter', values.userFilter, { placeholder: kindPresets[values.kind].userFilter });
  const attrs = attributeMapFields.map((f) => ({ field: f, ...text(`attributes.${f}`, attributeLabels[f], values.attributes[f]) }));
  const pageSize = text('pageSize', 'Page size', values.pageSize, { type: 'number' });
  const connectTimeout = text('connectTimeoutMs', 'Connect timeout (ms)', values.connectTimeoutMs, { type: 'number' });
  const timeout = text('timeoutMs', 'Operation timeout (ms)', values.timeoutMs, { type: 'number' });
  const enabled = checkbox('enabled', 'Enabled (searched by Import and resynchronized)', values.enabled);
  const testButton = h('vscode-button', { id: 'realm-test', secondary: true }, 'Test Connection') as Button;
  const saveButton = h('vscode-button', { id: 'realm-save', disabled: boot.readOnly }, 'Save') as Button;
  const status = h('p', { id: 'realm-status', role: 'status', class: 'muted' });
  const errorArea = h('div', { id: 'realm-error', hidden: true });
  const testResult = h('section', { id: 'realm-test-result', 'aria-label': 'Test result', hidden: true });

  replaceChildren(
    byId('app'),
    h('h1', { id: 'realm-title' }, boot.realm ? `Edit directory “${boot.realm.name}”` : 'Add LDAP directory'),
    boot.readOnly ? h('div', { class: 'banner warning', role: 'status' }, 'The user registry is open read-only: you can test, but not save.') : null,
    errorArea,
    h('fieldset', {}, h('legend', {}, 'Directory'), h('div', { class: 'grid-2' }, name.el, kind.el), enabled.el),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Connection'),
      h('div', { class: 'grid-2' }, url.el, security.el),
      insecure.el,
      h('div', { class: 'row' }, h('div', { class: 'grow' }, ca.el), h('div', { class: 'field' }, caBrowse)),
      tlsName.el,
    ),
    h('fieldset', {}, h('legend', {}, 'Bind account'), h('div', { class: 'grid-2' }, bindDn.el, password.el), passwordState),
    h('fieldset', {}, h('legend', {}, 'Users'), h('div', { class: 'grid-2' }, baseDn.el, scope.el), userFilter.el),
    h(
      'vscode-collapsible',
      { title: 'Attribute mapping', id: 'realm-attributes' },
      h('div', { class: 'grid-2' }, ...attrs.map((a) => a.el)),
    ),
    h('vscode-collapsible', { title: 'Limits', id: 'realm-limits' }, h('div', { class: 'grid-2' }, pageSize.el, connectTimeout.el, timeout.el)),
    h('div', { class: 'actions' }, testButton, saveButton, status),
    testResult,
  );
  byId('app').removeAttribute('aria-busy');

  const read = (): RealmFormValues => ({
    name: name.control.value,
    // A select reads '' until its options are slotted: keep the known value then.
    kind: (kind.control.value as RealmKind) || values.kind,
    url: url.control.value,
    security: (security.control.value as Security) || values.security,
    allowInsecure: insecure.control.checked,
    caCertPath: ca.control.value,
    tlsServerName: tlsName.control.value,
    bindDn: bindDn.control.value,
    baseDn: baseDn.control.value,
    scope: (scope.control.value as SearchScope) || values.scope,
    userFilter: userFilter.control.value,
    attributes: Object.fromEntries(attrs.map((a) => [a.field, a.control.value])) as unknown as AttributeMap,
    pageSize: pageSize.control.value,
    connectTimeoutMs: connectTimeout.control.value,
    timeoutMs: timeout.control.value,
    enabled: enabled.control.checked,
  });
  const showErrors = (errors: FormErrors, all: boolean) => {
    for (const el of document.querySelectorAll<HTMLElement>('.field-error')) {
      const controlEl = el.id.replace(/-error$/, '');
      const field = [...errorsShown, ...Object.keys(errors)].find((f) => controlId(f) === controlEl);
      const message = field ? errors[field] : undefined;
      if (message && (all || errorsShown.has(field!))) {
        el.textContent = message;
        (document.getElementById(controlEl) as TextField | null)?.setAttribute('invalid', '');
      } else {
        el.textContent = '';
        document.getElementById(controlEl)?.removeAttribute('invalid');
      }
    }
  };
  const syncVisibility = () => {
    insecure.el.hidden = values.security !== 'none';
    const tls = values.security !== 'none';
    ca.el.parentElement!.parentElement!.hidden = !tls;
    tlsName.el.hidden = !tls;
  };
  const onChange = (field?: string) => {
    values = read();
    drafts.update({ form: values });
    if (field) {
      errorsShown.add(field);
    }
    showErrors(validateRealmForm(values), false);
    syncVisibility();
  };

  const textControls: [string, TextField][] = [
    ['name', name.control],
    ['url', url.control],
    ['caCertPath', ca.control],
    ['tlsServerName', tlsName.control],
    ['bindDn', bindDn.control],
    ['baseDn', baseDn.control],
    ['userFilter', userFilter.control],
    ['pageSize', pageSize.control],
    ['connectTimeoutMs', connectTimeout.control],
    ['timeoutMs', timeout.control],
    ...attrs.map((a): [string, TextField] => [`attributes.${a.field}`, a.control]),
  ];
  for (const [field, control] of textControls) {
    control.addEventListener('input', () => onChange(field));
  }
  url.control.addEventListener('change', () => {
    // Typing ldaps:// or ldap:// picks the matching security.
    const isLdaps = /^ldaps:/i.test(url.control.value.trim());
    if (isLdaps && security.control.value !== 'ldaps') security.control.value = 'ldaps';
    if (!isLdaps && /^ldap:/i.test(url.control.value.trim()) && security.control.value === 'ldaps') security.control.value = 'starttls';
    onChange('url');
  });
  security.control.addEventListener('change', () => {
    url.control.value = urlForSecurity(url.control.value, security.control.value as Security);
    onChange('security');
  });
  kind.control.addEventListener('change', () => {
    // `values` still holds the previous kind: its defaults are what gets replaced.
    values = applyKind({ ...read(), kind: values.kind }, kind.control.value as RealmKind);
    userFilter.control.value = values.userFilter;
    for (const a of attrs) a.control.value = values.attributes[a.field];
    bindDn.control.setAttribute('placeholder', kindPresets[values.kind].bindDnExample);
    onChange('kind');
  });
  for (const [field, control] of [['allowInsecure', insecure.control], ['enabled', enabled.control]] as const) {
    control.addEventListener('change', () => onChange(field));
  }
  scope.control.addEventListener('change', () => onChange('scope'));
  caBrowse.addEventListener('click', async () => {
    try {
      const { path } = await rpc.request(RealmEditorBrowseCa, {});
      if (path) {
        ca.control.value = path;
        onChange('caCertPath');
      }
    } catch (err) {
      showBanner(errorArea, errorMessage(err));
    }
  });

  /** Validates everything; on errors, shows them all and focuses the first. */
  const validOrFocus = (): boolean => {
    values = read();
    const errors = validateRealmForm(values);
    for (const f of Object.keys(errors)) errorsShown.add(f);
    showErrors(errors, true);
    const first = Object.keys(errors)[0];
    if (first) {
      document.getElementById(controlId(first))?.focus();
      status.textContent = 'Fix the marked fields first.';
      return false;
    }
    return true;
  };
  const showServerError = (err: unknown) => {
    const field = formFieldOf(errorField(err));
    if (field && document.getElementById(`${controlId(field)}-error`)) {
      errorsShown.add(field);
      byId(`${controlId(field)}-error`).textContent = errorMessage(err);
      document.getElementById(controlId(field))?.setAttribute('invalid', '');
      document.getElementById(controlId(field))?.focus();
    }
    showBanner(errorArea, errorMessage(err));
  };

  testButton.addEventListener('click', async () => {
    if (!validOrFocus()) return;
    if (realmId === undefined && password.control.value === '') {
      byId('realm-password-error').textContent = 'Enter the bind password to test the connection (it is stored only when you save).';
      password.control.focus();
      return;
    }
    byId('realm-password-error').textContent = '';
    clearBanner(errorArea);
    testButton.disabled = true;
    status.replaceChildren(h('vscode-progress-ring', { 'aria-label': 'Testing' }), ' Testing the connection…');
    testResult.hidden = true;
    try {
      const result = await rpc.request(RealmEditorTest, {
        operationId: `test-${++testSeq}`,
        realm: realmInputOf(values, realmId),
        password: password.control.value || undefined,
      });
      renderTestResult(testResult, result);
      status.textContent = result.ok ? 'Connection works.' : 'The test failed: see the failing step.';
    } catch (err) {
      status.textContent = isCancelled(err) ? 'Test cancelled.' : '';
      if (!isCancelled(err)) showServerError(err);
    } finally {
      testButton.disabled = false;
    }
  });
  saveButton.addEventListener('click', async () => {
    if (!validOrFocus()) return;
    clearBanner(errorArea);
    saveButton.disabled = true;
    status.textContent = 'Saving…';
    try {
      const saved = await rpc.request(RealmEditorSave, { realm: realmInputOf(values, realmId), password: password.control.value || undefined });
      realmId = saved.realm.id;
      boot.realm = saved.realm;
      boot.hasPassword = saved.hasPassword;
      password.control.value = '';
      password.control.setAttribute('placeholder', saved.hasPassword ? 'Stored — leave empty to keep it' : 'Kept in VS Code secret storage');
      passwordState.textContent = saved.hasPassword ? 'A password is stored for this URL and bind DN.' : 'No password stored yet.';
      byId('realm-title').textContent = `Edit directory “${saved.realm.name}”`;
      drafts.update({ realmId: saved.realm.id, form: formFromRealm(saved.realm) });
      drafts.flush();
      status.textContent = `Saved “${saved.realm.name}”.`;
    } catch (err) {
      status.textContent = '';
      showServerError(err);
    } finally {
      saveButton.disabled = boot.readOnly;
    }
  });

  syncVisibility();
  window.addEventListener('pagehide', () => drafts.flush());
}

function renderTestResult(section: HTMLElement, result: RealmTestResult): void {
  const stepNames: Record<string, string> = { resolve: 'Resolve host', connect: 'Connect', tls: 'TLS', bind: 'Bind', search: 'Search users' };
  replaceChildren(
    section,
    h('h2', {}, 'Test result'),
    h('p', { id: 'realm-test-summary', class: result.ok ? 'ok' : 'fail' }, result.ok ? '✓ All steps passed.' : '✗ A step failed.'),
    h(
      'table',
      { class: 'simple', id: 'realm-test-steps' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Step'), h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Details'))),
      h(
        'tbody',
        {},
        ...result.steps.map((s) =>
          h(
            'tr',
            { 'data-step': s.name, 'data-ok': String(s.ok) },
            h('th', { scope: 'row' }, stepNames[s.name] ?? s.name),
            h('td', { class: s.ok ? 'ok' : 'fail' }, s.ok ? '✓ ok' : '✗ failed'),
            h('td', {}, `${s.ms} ms`),
            h('td', {}, s.message ?? ''),
          ),
        ),
      ),
    ),
    result.serverInfo?.vendor ? h('p', { class: 'muted' }, `Server: ${result.serverInfo.vendor}`) : null,
    result.sample.length > 0
      ? h(
          'div',
          {},
          h('h3', {}, `First users found (${result.sample.length})`),
          h(
            'table',
            { class: 'simple', id: 'realm-test-sample' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Username'), h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'DN'))),
            h(
              'tbody',
              {},
              ...result.sample.map((e) => h('tr', { 'data-username': e.username }, h('td', {}, e.username), h('td', {}, e.displayName), h('td', {}, e.email), h('td', { class: 'muted' }, e.dn))),
            ),
          ),
        )
      : null,
  );
  section.hidden = false;
}

void start();
