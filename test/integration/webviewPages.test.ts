// The webview pages, built as shipped, in Chromium under their strict CSP, driven like an admin
// would (keyboard and clicks), with the host side played by the real page router and handlers,
// the real backend (dist/server.js through the extension's BackendSupervisor) and a real slapd
// seeded with 5,000 users. Outcomes are checked in the registry (user/list, user/get), not only
// on screen. Only VS Code itself is absent; the real-VS-Code flows are in test/e2e.
// Screenshots of each page: test/e2e/artifacts/webview-pages/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Realm } from '../../protocol/model';
import { RealmList, RoleList, RoleSave, SecretGet, UserGet, UserList } from '../../protocol/rpc';
import { BackendSupervisor } from '../../extension/backend/backendSupervisor';
import { importPageHandlers } from '../../extension/webviews/importPageHandlers';
import { KnownIds, type PageHostDeps } from '../../extension/webviews/pageHostDeps';
import { realmEditorHandlers } from '../../extension/webviews/realmEditorHandlers';
import { resyncPageHandlers } from '../../extension/webviews/resyncPageHandlers';
import { userPageHandlers } from '../../extension/webviews/userPageHandlers';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { ensureServerBuilt, makeTempDir, serverBundle } from '../support/backendClient';
import { launchChromium, openPage, requireBuiltPages, type ChromiumHandle, type PageSession } from '../unit/webview/chromiumPage';

const USERS = 5000;

describe('webview pages in Chromium against the real backend and slapd', { timeout: 160_000 }, () => {
  let slapd: SlapdHandle;
  let backend: BackendSupervisor;
  let chromium: ChromiumHandle;
  let deps: PageHostDeps;
  const passwords = new Map<number, string>();
  const opened: PageSession[] = [];
  let realm: Realm;

  before(async () => {
    requireBuiltPages();
    ensureServerBuilt();
    [slapd, chromium] = await Promise.all([startSlapd({ users: USERS, awkward: true, substringIndexes: false }), launchChromium()]);
    backend = new BackendSupervisor({
      serverModule: serverBundle,
      transport: 'ipc',
      initializeParams: () => ({ databasePath: join(makeTempDir('ldapum-webview-'), 'registry.sqlite') }),
    });
    // The extension answers secret/get from SecretStorage; here, from what the pages stored.
    backend.onRequest(SecretGet, ({ realmId }) => {
      const password = passwords.get(realmId);
      return password ? { password } : null;
    });
    const existing = new Set((await backend.request(RoleList, {})).map((r) => r.name));
    for (const name of ['Viewer', 'Editor', 'Administrator'].filter((n) => !existing.has(n))) {
      await backend.request(RoleSave, { role: { name } });
    }
    deps = {
      backend,
      secrets: {
        hasPassword: async (r) => passwords.has(r.id),
        storePassword: async (r, password) => {
          passwords.set(r.id, password);
        },
      },
      dialogs: { pickCaFile: async () => slapd.caCertPath, confirm: async () => true },
      commands: { openResync: async () => undefined, convertToExternal: async () => undefined },
      settings: { searchLimit: () => 10_000, defaultRoleNames: () => ['Viewer'] },
      readOnly: () => false,
      canContactDirectories: () => true,
    };
  });

  after(async () => {
    for (const s of opened) {
      await s.page.context().close().catch(() => undefined);
    }
    await chromium?.close();
    await backend?.stop();
    await slapd?.stop();
  });

  async function open(...args: Parameters<typeof openPage> extends [unknown, ...infer R] ? R : never): Promise<PageSession> {
    const s = await openPage(chromium, ...args);
    opened.push(s);
    return s;
  }

  async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits for a locator; on failure, the error says what the page shows instead (and a screenshot is saved). */
  async function waitOrExplain(s: PageSession, locator: ReturnType<PageSession['page']['locator']>, explain: string[]): Promise<void> {
    try {
      await locator.waitFor();
    } catch (err) {
      await s.screenshot(`failure-${Date.now()}`);
      const shown = await Promise.all(explain.map(async (sel) => `${sel}: ${(await s.page.locator(sel).first().textContent().catch(() => '?')) ?? ''}`));
      throw new Error(`${(err as Error).message}\n${shown.join('\n')}\nconsole: ${s.consoleErrors.join(' | ')}\nlast sent: ${JSON.stringify(s.sent.at(-1)).slice(0, 600)}\nlast reply: ${JSON.stringify(s.replies.at(-1)).slice(0, 600)}`);
    }
  }

  async function assertClean(s: PageSession): Promise<void> {
    assert.deepEqual(await s.cspViolations(), [], 'the page needs nothing the CSP forbids');
    assert.deepEqual(s.consoleErrors, [], 'no console errors');
  }

  test('Add Directory: inline validation, insecure opt-in, Test Connection steps and sample, Save (password to the secret store)', async () => {
    const subject = { realmId: null as number | null, onCreated: () => undefined };
    const s = await open('realm', realmEditorHandlers(deps, new KnownIds(backend), subject));
    const { page } = s;
    await page.fill('#realm-name input', 'Test slapd');
    // Kind preset: Active Directory fills AD attribute names, back to OpenLDAP restores them.
    await page.evaluate(() => {
      const kind = document.getElementById('realm-kind') as HTMLElement & { value: string };
      kind.value = 'activeDirectory';
      kind.dispatchEvent(new Event('change'));
    });
    assert.equal(await page.locator('#realm-attr-username').evaluate((e) => (e as HTMLElement & { value: string }).value), 'sAMAccountName');
    await page.evaluate(() => {
      const kind = document.getElementById('realm-kind') as HTMLElement & { value: string };
      kind.value = 'openldap';
      kind.dispatchEvent(new Event('change'));
    });
    assert.equal(await page.locator('#realm-attr-username').evaluate((e) => (e as HTMLElement & { value: string }).value), 'uid');
    // Plain LDAP: the opt-in appears and is required.
    await page.evaluate(() => {
      const sec = document.getElementById('realm-security') as HTMLElement & { value: string };
      sec.value = 'none';
      sec.dispatchEvent(new Event('change'));
    });
    await page.locator('#realm-allow-insecure').waitFor({ state: 'visible' });
    await page.click('#realm-save');
    await page.locator('#realm-allow-insecure-error', { hasText: 'clear text' }).waitFor();
    await page.locator('#realm-bind-dn-error', { hasText: 'Enter the DN' }).waitFor();
    assert.equal((await backend.request(RealmList, {})).length, 0, 'nothing saved while the form is invalid');
    await s.screenshot('realm-editor-validation');

    // LDAPS with the test CA (picked through the host's Open dialog).
    await page.evaluate(() => {
      const sec = document.getElementById('realm-security') as HTMLElement & { value: string };
      sec.value = 'ldaps';
      sec.dispatchEvent(new Event('change'));
    });
    await page.fill('#realm-url input', slapd.ldapsUrl);
    await page.click('#realm-ca-browse');
    await page.waitForFunction(() => (document.getElementById('realm-ca') as HTMLElement & { value: string }).value.length > 0);
    await page.fill('#realm-bind-dn input', slapd.readerDn);
    await page.fill('#realm-password input', slapd.readerPassword);
    await page.fill('#realm-base-dn input', slapd.baseDn);
    await page.click('#realm-test');
    await page.locator('#realm-test-summary', { hasText: 'All steps passed' }).waitFor();
    const steps = await page.locator('#realm-test-steps tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-step'), r.getAttribute('data-ok')]));
    assert.ok(steps.length >= 3, JSON.stringify(steps));
    assert.ok(steps.every(([, ok]) => ok === 'true'), JSON.stringify(steps));
    assert.ok(steps.some(([name]) => name === 'bind'));
    assert.ok((await page.locator('#realm-test-sample tbody tr').count()) > 0, 'sample users shown');
    await s.screenshot('realm-editor-test-connection');

    await page.click('#realm-save');
    await page.locator('#realm-status', { hasText: 'Saved “Test slapd”' }).waitFor();
    const realms = await backend.request(RealmList, {});
    assert.equal(realms.length, 1);
    realm = realms[0]!;
    assert.equal(realm.url.toLowerCase(), slapd.ldapsUrl.toLowerCase().replace(/\/$/, ''));
    assert.equal(passwords.get(realm.id), slapd.readerPassword, 'the password went to the secret store');
    assert.equal(await page.locator('#realm-password input').inputValue(), '', 'the password field is cleared');
    assert.ok(!JSON.stringify(s.state()).includes(slapd.readerPassword), 'no password in the page state');
    assert.ok(!s.sent.some((m) => m.method === 'realmEditor/save' && JSON.stringify((m.params as { realm: unknown }).realm).includes(slapd.readerPassword)));
    await assertClean(s);
  });

  test(`Import: * lists ${USERS}+ entries smoothly, filter + select-all + roles, preview, import, report; a hidden tab comes back as it was`, async (t) => {
    assert.ok(realm, 'the directory was added by the previous test');
    const s = await open('import', importPageHandlers(deps, new KnownIds(backend), realm.id));
    const { page } = s;
    await page.fill('#import-query input', '*');
    await page.locator('#import-query-hint', { hasText: 'Everyone the user filter of “Test slapd” matches' }).waitFor();
    const searchStarted = Date.now();
    await page.press('#import-query input', 'Enter');
    try {
      await page.locator('#import-status', { hasText: /\d+ entries in \d+ ms/ }).waitFor({ timeout: 60_000 });
    } catch (err) {
      await s.screenshot('import-search-failed');
      throw new Error(`${(err as Error).message}\nstatus: ${await page.textContent('#import-status')}\nerror: ${await page.textContent('#import-error')}\nconsole: ${s.consoleErrors.join(' | ')}`);
    }
    const searchMs = Date.now() - searchStarted;
    const total = Number((await page.textContent('#import-status'))!.match(/(\d+) entries/)![1]);
    assert.ok(total >= USERS, `${total} entries`);
    const rendered = await page.locator('#import-results .vtable-row').count();
    assert.ok(rendered > 5 && rendered < 80, `${rendered} rows in the DOM for ${total} results`);

    // Scrolling to the end renders the last rows, quickly.
    const scrollMs = await page.evaluate(async () => {
      const viewport = document.getElementById('import-results-viewport')!;
      const t0 = performance.now();
      viewport.scrollTop = viewport.scrollHeight;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    });
    assert.ok(scrollMs < 500, `scroll to the end took ${scrollMs} ms`);
    const lastPositions = await page.locator('#import-results .vtable-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-position'))));
    assert.equal(Math.max(...lastPositions), total - 1);

    // Select-all over 5,000+ rows, then narrow with the filter.
    await page.click('#import-results-select-all');
    await page.locator('#import-selection', { hasText: /^\d+ selected$/ }).waitFor();
    const allSelected = Number((await page.textContent('#import-selection'))!.match(/\d+/)![0]);
    assert.ok(allSelected >= USERS - 10, `${allSelected} selected`);
    await page.click('#import-results-select-all');
    await page.waitForFunction(() => document.getElementById('import-selection')?.textContent === '');

    // Sorting by username descending; the filter narrows the shown rows.
    await page.click('#import-results-sort-username');
    await page.click('#import-results-sort-username');
    assert.equal(await page.getAttribute('[data-column="username"]', 'aria-sort'), 'descending');
    const picks = slapd.users.slice(0, 3);
    await page.fill('#import-filter input', picks[0]!.uid);
    await page.locator('#import-results .vtable-row', { hasText: picks[0]!.uid }).first().waitFor();
    assert.ok((await page.locator('#import-results .vtable-row').count()) < 20);
    await page.fill('#import-filter input', '');
    t.diagnostic(`"*": ${total} entries on screen ${searchMs} ms after Enter; scroll to the end ${scrollMs.toFixed(0)} ms`);

    // A narrower query (an LDAP filter) for the three users to import.
    await page.fill('#import-query input', `(|${picks.map((u) => `(uid=${u.uid})`).join('')})`);
    await page.locator('#import-query-hint', { hasText: 'LDAP filter' }).waitFor();
    await page.press('#import-query input', 'Enter');
    await page.locator('#import-status', { hasText: /^3 entries in/ }).waitFor();
    await page.click('#import-results-select-all');
    await page.locator('#import-selection', { hasText: '3 selected' }).waitFor();
    // Keyboard: a row check box is reachable and Space toggles it.
    const box = page.locator(`#import-results .vtable-row input[aria-label="Select ${picks[2]!.uid} (Test slapd)"]`);
    await box.focus();
    await page.keyboard.press('Space');
    await page.locator('#import-selection', { hasText: '2 selected' }).waitFor();
    await page.keyboard.press('Space');
    await page.locator('#import-selection', { hasText: '3 selected' }).waitFor();

    // Roles for new users: Editor on top of the default Viewer.
    const roles = await page.locator('#import-roles vscode-option').evaluateAll((opts) =>
      opts.map((o) => ({ value: o.getAttribute('value') ?? '', name: o.textContent?.trim(), selected: (o as HTMLElement & { selected: boolean }).selected })),
    );
    const viewer = roles.find((r) => r.name === 'Viewer')!;
    const editor = roles.find((r) => r.name === 'Editor')!;
    assert.equal(viewer.selected, true, 'the default role from the settings is preselected');
    await page.evaluate((ids) => {
      const select = document.getElementById('import-roles') as HTMLElement & { value: string[] };
      select.value = ids;
      select.dispatchEvent(new Event('change'));
    }, [viewer.value, editor.value]);

    // The hidden tab comes back as it was (query, selection, roles); the search runs again.
    // (setState reaches the host asynchronously, as in VS Code: wait until it has.)
    await waitFor(() => (s.state() as { roleIds?: number[] } | undefined)?.roleIds?.length === 2 && (s.state() as { selected: string[] }).selected.length === 3);
    await s.reload();
    const rolesAfter = await page.locator('#import-roles').evaluate((e) => (e as HTMLElement & { value: string[] }).value);
    assert.deepEqual(rolesAfter.sort(), [viewer.value, editor.value].sort(), 'roles restored');
    assert.match(await page.locator('#import-query input').inputValue(), /^\(\|/);
    await waitOrExplain(s, page.locator('#import-status', { hasText: /^3 entries in/ }), ['#import-status', '#import-error']);
    await page.locator('#import-selection', { hasText: '3 selected' }).waitFor();
    assert.equal(await page.locator('#import-results .vtable-row.selected').count(), 3);
    await s.screenshot('import-results');

    // Preview first: nothing written.
    await page.click('#import-run');
    await waitOrExplain(s, page.locator('#import-preview-report-summary', { hasText: 'Will create 3 users' }), ['#import-preview', '#import-error']);
    assert.equal((await backend.request(UserList, { realmId: realm.id })).total, 0, 'the preview wrote nothing');
    await s.screenshot('import-preview');
    await page.click('#import-confirm');
    await page.locator('#import-report-result-summary', { hasText: 'Created 3 users' }).waitFor();
    await s.screenshot('import-report');

    const { users } = await backend.request(UserList, { realmId: realm.id });
    assert.deepEqual(users.map((u) => u.username).sort(), picks.map((u) => u.uid).sort());
    const detail = await backend.request(UserGet, { userId: users[0]!.id });
    assert.deepEqual(detail.roles.map((r) => r.name).sort(), ['Editor', 'Viewer']);
    // Statuses refresh: the imported users now read "imported".
    await page.locator('#import-results .vtable-row', { hasText: 'imported' }).first().waitFor();
    assert.equal(await page.locator('#import-results .vtable-row', { hasText: 'imported' }).count(), 3);
    await assertClean(s);
  });

  test('Import: markup in LDAP data stays text', async () => {
    const markup = '<img src=x onerror="window.__pwned=1">';
    await slapd.ldapAdd(`dn: uid=xss.user,${slapd.peopleDn}\nobjectClass: inetOrgPerson\nuid: xss.user\ncn: ${markup}\nsn: X\nmail: xss@example.test\n`);
    const s = await open('import', importPageHandlers(deps, new KnownIds(backend), realm.id));
    await s.page.fill('#import-query input', 'xss.user');
    await s.page.press('#import-query input', 'Enter');
    await s.page.locator('#import-results .vtable-row[data-key]').first().waitFor();
    const cells = await s.page.locator('#import-results .vtable-row [role=gridcell]').allTextContents();
    assert.ok(cells.includes(markup), JSON.stringify(cells));
    assert.equal(await s.page.locator('#import-results img, #import-results script').count(), 0);
    assert.equal(await s.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    await assertClean(s);
  });

  test('Resynchronize: the UUID match is marked, Start shows field changes, Save applies them', async () => {
    const { users } = await backend.request(UserList, { realmId: realm.id });
    const user = users[0]!;
    const newMail = `renamed-${user.username}@changed.example.test`;
    await slapd.ldapModify(`dn: ${user.ldapDn}\nchangetype: modify\nreplace: mail\nmail: ${newMail}\n`);
    const s = await open('resync', resyncPageHandlers(deps, new KnownIds(backend), user.id));
    const { page } = s;
    await page.locator('#resync-candidates li[data-uuid-match="true"]').waitFor();
    assert.equal(await page.locator('#resync-candidates li[data-uuid-match="true"] .uuid-match').textContent(), 'UUID match');
    assert.equal(await page.locator('#resync-candidates li[data-uuid-match="true"] input').isChecked(), true);
    await page.click('#resync-start');
    await page.locator('#resync-changes tr[data-field="email"]', { hasText: newMail }).waitFor();
    assert.equal((await backend.request(UserGet, { userId: user.id })).user.email, user.email, 'Start wrote nothing');
    await s.screenshot('resync-changes');
    // Cancel leaves everything as it was.
    await page.click('#resync-cancel');
    await page.locator('#resync-result', { hasText: 'nothing was changed' }).waitFor();
    assert.equal((await backend.request(UserGet, { userId: user.id })).user.email, user.email);
    await page.locator('#resync-candidates li[data-uuid-match="true"] input').check();
    await page.click('#resync-start');
    await page.locator('#resync-changes tr[data-field="email"]').waitFor();
    await page.click('#resync-save');
    await page.locator('#resync-result', { hasText: 'Saved' }).waitFor();
    assert.equal((await backend.request(UserGet, { userId: user.id })).user.email, newMail);
    await assertClean(s);
  });

  test('User detail: LDAP fields read-only with DN and UUID, roles and login editable', async () => {
    const { users } = await backend.request(UserList, { realmId: realm.id });
    const user = users[1]!;
    const s = await open('user', userPageHandlers(deps, new KnownIds(backend), user.id));
    const { page } = s;
    await page.locator('#user-fields dd[data-field="username"]', { hasText: user.username }).waitFor();
    assert.equal(await page.locator('#user-fields vscode-textfield').count(), 0, 'no editable field for an external user');
    assert.equal(await page.textContent('#user-ldap dd[data-field="ldapUuid"]'), user.ldapUuid);
    assert.equal(await page.textContent('#user-ldap dd[data-field="realm"]'), 'Test slapd');
    await s.screenshot('user-detail');
    await page.click('#user-login');
    await page.locator('#user-status', { hasText: 'Disabling login: done.' }).waitFor();
    assert.equal((await backend.request(UserGet, { userId: user.id })).user.loginEnabled, false);
    const admin = await page.locator('#user-roles vscode-option', { hasText: 'Administrator' }).getAttribute('value');
    await page.evaluate((id) => {
      const select = document.getElementById('user-roles') as HTMLElement & { value: string[] };
      select.value = [id];
      select.dispatchEvent(new Event('change'));
    }, admin!);
    await page.click('#user-save-roles');
    await page.locator('#user-status', { hasText: 'Saving roles: done.' }).waitFor();
    assert.deepEqual((await backend.request(UserGet, { userId: user.id })).roles.map((r) => r.name), ['Administrator']);
    assert.ok((await page.locator('#user-audit tbody tr').count()) > 0, 'recent audit entries listed');
    await assertClean(s);
  });
});
