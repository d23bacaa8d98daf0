// The packaged extension in a real VS Code (code-server 4.100.3 in Chromium): it installs from
// the .vsix, its activity-bar container shows the Realms and Users views, and its backend starts
// (the "Add LDAP Directory" welcome link appears only once the backend listed the realms of the
// new, empty registry).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { e2eSkip, openVsCode, type VsCodeSession } from './support/vscodeSession';
import { EXTENSION_START_TIMEOUT_MS } from './support/workbench';

describe('smoke: the packaged extension in a real VS Code', { skip: e2eSkip, timeout: 240_000 }, () => {
  let s: VsCodeSession;

  before(async () => {
    s = await openVsCode({ suite: 'smoke' });
  });
  after(async () => {
    await s?.close();
  });

  test('the LDAP Users container shows its views and offers to add a directory', async () => {
    const { wb } = s;
    await wb.step('open LDAP Users', () => wb.openViewContainer('LDAP Users'));
    await wb.step('realms and users views', async () => {
      await wb.view('Realms').waitFor();
      await wb.view('Users').waitFor();
    });
    await wb.step('add directory welcome link', async () => {
      await wb.welcomeButton('Add LDAP Directory', wb.view('Realms')).waitFor({ timeout: EXTENSION_START_TIMEOUT_MS });
    });
    // The backend created the registry in the workspace when it started.
    assert.ok(existsSync(join(s.workspaceDir, '.vscode/ldap-users.sqlite')), 'the registry file was created in the workspace');
  });

  test('the welcome link opens the directory editor page', async () => {
    const { wb } = s;
    await wb.step('directory editor', async () => {
      await wb.welcomeButton('Add LDAP Directory', wb.view('Realms')).click();
      await wb.editorTab('Add LDAP Directory').waitFor();
      const page = wb.webview();
      await page.locator('h1', { hasText: 'Add LDAP directory' }).waitFor();
      await page.getByLabel('URL', { exact: true }).waitFor();
    });
  });
});
