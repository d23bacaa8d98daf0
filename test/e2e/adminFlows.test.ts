// The administrator's day in a real VS Code (code-server 4.100.3 in Chromium), mouse and keyboard
// only, against a real slapd: add the directory in the directory editor and test it; import users
// found by keyword, by `*` and by an LDAP query, with roles and a preview; see them in the trees;
// change a user in LDAP and resynchronize it from its context menu; convert a user to internal;
// disable a login. Each step asserts on the screen and on the registry file, and saves a
// screenshot (test/e2e/artifacts/admin-flows/). With LDAPUM_DOCS_SCREENSHOTS=1 the README's
// screenshots in docs/screenshots/ are refreshed from this run.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { seedUser } from '../../scripts/directory/seedUsers';
import { queryRegistry, registryUser } from './support/registryFile';
import { REPO_ROOT } from './support/tools';
import { e2eSkip, openVsCode, type VsCodeSession } from './support/vscodeSession';
import { EXTENSION_START_TIMEOUT_MS, type Workbench } from './support/workbench';

const REALM = 'Test OpenLDAP';
// Two Finance users of the seed (index % 6 === 3), found by the LDAP query below.
const FIRST = seedUser(3);
const SECOND = seedUser(9);

async function docScreenshot(wb: Workbench, name: string): Promise<void> {
  const shot = await wb.screenshot(name);
  if (process.env.LDAPUM_DOCS_SCREENSHOTS === '1') {
    mkdirSync(join(REPO_ROOT, 'docs/screenshots'), { recursive: true });
    copyFileSync(shot, join(REPO_ROOT, 'docs/screenshots', `${name}.png`));
  }
}

describe('administrator flows in a real VS Code', { skip: e2eSkip, timeout: 600_000 }, () => {
  let slapd: SlapdHandle;
  let s: VsCodeSession;
  let db: string;
  // Each flow builds on the previous one: after a failure the rest are skipped rather than each
  // waiting out its own timeouts on a screen that is not what it expects.
  let broken: string | undefined;
  const flow = (name: string, fn: () => Promise<void>) =>
    test(name, async (t) => {
      if (broken !== undefined) {
        t.skip(`"${broken}" failed`);
        return;
      }
      try {
        await fn();
      } catch (e) {
        broken = name;
        throw e;
      }
    });

  before(async () => {
    slapd = await startSlapd({ users: 200 });
    s = await openVsCode({ suite: 'admin-flows' });
    db = join(s.workspaceDir, '.vscode/ldap-users.sqlite');
  });
  after(async () => {
    await s?.close();
    await slapd?.stop();
  });

  flow('adds the test directory in the directory editor and tests the connection', async () => {
    const { wb } = s;
    await wb.step('open LDAP Users', () => wb.openViewContainer('LDAP Users'));
    const page = wb.webview();
    await wb.step('directory editor', async () => {
      await wb.welcomeButton('Add LDAP Directory', wb.view('Realms')).click({ timeout: EXTENSION_START_TIMEOUT_MS });
      await page.locator('#realm-name input').waitFor();
      await page.locator('#realm-name input').fill(REALM);
      await page.locator('#realm-url input').fill(slapd.ldapsUrl);
      await page.locator('#realm-ca input').fill(slapd.caCertPath);
      await page.locator('#realm-bind-dn input').fill(slapd.readerDn);
      await page.locator('#realm-password input').fill(slapd.readerPassword);
      await page.locator('#realm-base-dn input').fill(slapd.peopleDn);
    });
    await wb.step('test connection', async () => {
      await page.locator('#realm-test').click();
      await page.locator('#realm-test-summary', { hasText: 'All steps passed' }).waitFor();
      assert.equal(await page.locator('#realm-test-steps [data-ok="false"]').count(), 0);
      await page.locator('#realm-test-sample [data-username]').first().waitFor();
      await page.locator('#realm-test-result').scrollIntoViewIfNeeded();
    });
    await docScreenshot(wb, 'directory-editor');
    await wb.step('save directory', async () => {
      await page.locator('#realm-save').click();
      await page.locator('#realm-status', { hasText: `Saved “${REALM}”` }).waitFor();
      await wb.waitForTreeItem(REALM, wb.view('Realms'));
    });
    const realms = await queryRegistry(db, 'SELECT name, url, bind_dn, base_dn, ca_cert_path FROM realms');
    assert.deepEqual(realms, [{ name: REALM, url: slapd.ldapsUrl, bind_dn: slapd.readerDn, base_dn: slapd.peopleDn, ca_cert_path: slapd.caCertPath }]);
    assert.equal(readFileSync(db).includes(Buffer.from(slapd.readerPassword)), false, 'the bind password is not in the registry file');
  });

  flow('imports users found by keyword, by * and by an LDAP query, with roles and a preview', async () => {
    const { wb } = s;
    const page = wb.webview();
    const search = async (query: string) => {
      await page.locator('#import-query input').fill(query);
      await page.locator('#import-query input').press('Enter');
    };
    await wb.step('import page from the realm context menu', async () => {
      await wb.contextMenu(wb.treeItem(REALM, wb.view('Realms')), 'Import Users…');
      await page.locator('#import-query input').waitFor();
    });
    await wb.step('search by keyword', async () => {
      await search('zoe');
      await page.locator('#import-status', { hasText: /^1 entry\b/ }).waitFor();
      await page.getByRole('checkbox', { name: `Select zoe.muller (${REALM})` }).waitFor();
    });
    await wb.step('search by star', async () => {
      await search('*');
      await page.locator('#import-status', { hasText: new RegExp(`^${slapd.users.length} entries\\b`) }).waitFor();
    });
    const finance = slapd.users.filter((u) => u.departmentNumber === 'Finance').length;
    await wb.step('search by LDAP query', async () => {
      await search('(departmentNumber=Finance)');
      await page.locator('#import-status', { hasText: new RegExp(`^${finance} entries\\b`) }).waitFor();
    });
    await wb.step('select users and set roles', async () => {
      for (const u of [FIRST, SECOND]) {
        await page.locator('#import-filter input').fill(u.uid);
        await page.getByRole('checkbox', { name: `Select ${u.uid} (${REALM})` }).check();
      }
      await page.locator('#import-filter input').fill('');
      await page.locator('#import-selection', { hasText: /^2 selected/ }).waitFor();
      // Room below the roles box for its drop-down list.
      await page.locator('#import-roles').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.locator('#import-roles').click();
      await page.getByRole('option', { name: 'Viewer' }).click();
      await wb.page.keyboard.press('Escape');
      await page.locator('#import-roles', { hasText: /1 Selected|Viewer/ }).waitFor();
    });
    await docScreenshot(wb, 'import-page');
    await wb.step('preview', async () => {
      await page.locator('#import-run').click();
      await page.locator('#import-preview-report-summary', { hasText: 'Will create 2 users' }).waitFor();
      await page.locator('#import-preview').scrollIntoViewIfNeeded();
    });
    assert.equal((await queryRegistry(db, 'SELECT count(*) AS n FROM users'))[0]!.n, 0, 'the preview writes nothing');
    await wb.step('import', async () => {
      await page.locator('#import-confirm').click();
      await page.locator('#import-report-result-summary', { hasText: 'Created 2 users' }).waitFor();
      for (const u of [FIRST, SECOND]) await wb.waitForTreeItem(`${u.givenName} ${u.sn}`, wb.view('Users'));
    });
    for (const u of [FIRST, SECOND]) {
      const row = await registryUser(db, u.uid);
      assert.ok(row, `${u.uid} is in the registry`);
      assert.equal(row.category, 'external');
      assert.equal(row.display_name, `${u.givenName} ${u.sn}`);
      assert.equal(row.ldap_dn, u.dn);
      assert.match(String(row.ldap_uuid), /^[0-9a-f-]{36}$/);
      const roles = await queryRegistry(db, 'SELECT r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id JOIN users u ON u.id = a.user_id WHERE u.username = ?', [u.uid]);
      assert.deepEqual(roles.map((r) => r.name), ['Viewer']);
    }
    await wb.step('opening Import again for the same directory reveals the same page', async () => {
      await wb.contextMenu(wb.treeItem(REALM, wb.view('Realms')), 'Import Users…');
      await page.locator('#import-report-result-summary', { hasText: 'Created 2 users' }).waitFor();
      assert.equal(await wb.editorTab('Import LDAP Users').count(), 1, 'one panel per kind and subject');
    });
  });

  flow('the Realms tree shows the imported users', async () => {
    const { wb } = s;
    await wb.step('realms tree', async () => {
      const realm = wb.treeItem(REALM, wb.view('Realms'));
      await wb.expandTreeItem(realm);
      for (const u of [FIRST, SECOND]) await wb.waitForTreeItem(`${u.givenName} ${u.sn}`, wb.view('Realms'));
      await wb.moveMouseAway();
    });
    await docScreenshot(wb, 'tree');
  });

  flow('resynchronizes a user changed in LDAP from its context menu', async () => {
    const { wb } = s;
    const page = wb.webview();
    await slapd.ldapModify(`dn: ${FIRST.dn}\nchangetype: modify\nreplace: title\ntitle: Chief Risk Officer\n`);
    await wb.step('resync dialog', async () => {
      await wb.contextMenu(wb.treeItem(`${FIRST.givenName} ${FIRST.sn}`, wb.view('Users')), 'Resynchronize User…');
      await page.locator('#resync-candidates [data-uuid-match="true"]').waitFor();
      const box = page.locator('#resync-candidates input[type=checkbox]').first();
      if (!(await box.isChecked())) await box.check();
      await page.locator('#resync-start').click();
      await page.locator('#resync-changes [data-field="title"]', { hasText: 'Chief Risk Officer' }).waitFor();
    });
    await docScreenshot(wb, 'resync-dialog');
    await wb.step('resync saved', async () => {
      await page.locator('#resync-save').click();
      await page.locator('#resync-result').filter({ hasText: /\S/ }).waitFor();
    });
    assert.equal((await registryUser(db, FIRST.uid))?.title, 'Chief Risk Officer');
    await wb.step('user detail shows the new value', async () => {
      await wb.treeItem(`${FIRST.givenName} ${FIRST.sn}`, wb.view('Users')).click();
      await wb.webview().locator('#user-fields dd[data-field="title"]', { hasText: 'Chief Risk Officer' }).waitFor();
    });
    await docScreenshot(wb, 'user-detail');
  });

  flow('converts a user to internal', async () => {
    const { wb } = s;
    await wb.step('convert to internal', async () => {
      await wb.contextMenu(wb.treeItem(`${SECOND.givenName} ${SECOND.sn}`, wb.view('Users')), 'Convert to Internal User');
      await wb.answerDialog('Convert');
      await wb.treeItem(`${SECOND.givenName} ${SECOND.sn}`, wb.view('Users')).filter({ hasText: 'internal' }).waitFor();
    });
    const row = await registryUser(db, SECOND.uid);
    assert.equal(row?.category, 'internal');
    assert.equal(row?.realm_id, null);
  });

  flow('disables a login', async () => {
    const { wb } = s;
    await wb.step('disable login', async () => {
      await wb.contextMenu(wb.treeItem(`${FIRST.givenName} ${FIRST.sn}`, wb.view('Users')), 'Disable Login');
      await wb.treeItem(`${FIRST.givenName} ${FIRST.sn}`, wb.view('Users')).filter({ hasText: 'login disabled' }).waitFor();
    });
    assert.equal((await registryUser(db, FIRST.uid))?.login_enabled, 0);
  });
});
