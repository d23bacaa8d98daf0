// Runs one built webview page (dist/webview/<page>.js) in Debian's Chromium under the exact HTML
// and CSP the extension serves (extension/webviews/pageHtml.ts), with the host side played by the
// real PageRouter and page handlers. Only `acquireVsCodeApi` is provided by this harness: its
// postMessage goes to the router, replies and notifications come back as window messages, and
// its state slot lives here so a test can reload the page the way VS Code does for a hidden tab.
//
// CSP violations and console errors are collected; a page that needs 'unsafe-inline' fails.
import { chromium, type Browser, type Page } from 'playwright-core';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newNonce, pageHtml, type PageName } from '../../../extension/webviews/pageHtml';
import { PageRouter, type PageHandler } from '../../../extension/webviews/pageRouter';
import { childrenRunning, watchGroup } from '../../e2e/support/processTree';
import { chromiumPath } from '../../e2e/support/tools';

export const REPO = resolve(__dirname, '..', '..', '..');
const ORIGIN = 'https://webview.test';
export const ARTIFACTS = join(REPO, 'test', 'e2e', 'artifacts', 'webview-pages');
const TIMEOUT_MS = 20_000;

const LIGHT_THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': 'monospace',
  '--vscode-editor-font-size': '13px',
  '--vscode-foreground': '#3b3b3b',
  '--vscode-editor-background': '#ffffff',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-errorForeground': '#e51400',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-widget-border': '#e5e5e5',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-badge-background': '#cccccc',
  '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
  '--vscode-input-background': '#ffffff',
  '--vscode-input-foreground': '#3b3b3b',
  '--vscode-input-border': '#cecece',
  '--vscode-settings-textInputBackground': '#ffffff',
  '--vscode-settings-textInputForeground': '#3b3b3b',
  '--vscode-settings-textInputBorder': '#cecece',
  '--vscode-settings-dropdownBackground': '#ffffff',
  '--vscode-settings-dropdownForeground': '#3b3b3b',
  '--vscode-settings-dropdownBorder': '#cecece',
  '--vscode-dropdown-background': '#ffffff',
  '--vscode-dropdown-foreground': '#3b3b3b',
  '--vscode-dropdown-border': '#cecece',
  '--vscode-button-background': '#005fb8',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#0258a8',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-checkbox-background': '#f8f8f8',
  '--vscode-checkbox-border': '#cecece',
  '--vscode-textLink-foreground': '#005fb8',
  '--vscode-inputValidation-errorBorder': '#be1100',
  '--vscode-inputValidation-errorBackground': '#f2dede',
  '--vscode-inputValidation-warningBorder': '#bf8803',
  '--vscode-inputValidation-warningBackground': '#f6f5d2',
  '--vscode-inputValidation-infoBorder': '#1a85ff',
  '--vscode-inputValidation-infoBackground': '#d6ecf2',
  '--vscode-gitDecoration-addedResourceForeground': '#587c0c',
  '--vscode-gitDecoration-modifiedResourceForeground': '#895503',
  '--vscode-gitDecoration-deletedResourceForeground': '#ad0707',
  '--vscode-sideBarSectionHeader-background': '#f8f8f8',
  '--vscode-progressBar-background': '#005fb8',
};

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--disable-crash-reporter',
  '--disable-breakpad',
];

export interface ChromiumHandle {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<ChromiumHandle> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: TIMEOUT_MS,
    handleSIGINT: false,
    handleSIGTERM: false,
  });
  // The browser's process group dies with this test process, even on SIGKILL.
  const watchdogs = childrenRunning(/\/(chromium|chrome)$/).map((pid) => watchGroup(pid));
  return {
    browser,
    async close() {
      await Promise.race([browser.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
      for (const w of watchdogs) w.cancel();
    },
  };
}

export interface PageSession {
  page: Page;
  router: PageRouter;
  /** The state the page last saved with setState (what VS Code would keep for a hidden tab). */
  state(): unknown;
  /** Every message the page sent, in order (what the host received). */
  sent: { method?: string; params?: unknown }[];
  /** Every reply the host sent back. */
  replies: unknown[];
  cspViolations(): Promise<string[]>;
  consoleErrors: string[];
  /** Sends a host → page notification. */
  notify(method: string, params: unknown): Promise<void>;
  /** Unloads and reloads the page with its saved state, as VS Code does when a hidden tab is shown. */
  reload(): Promise<void>;
  screenshot(name: string): Promise<void>;
}

export function requireBuiltPages(): void {
  for (const page of ['import', 'resync', 'realm', 'user']) {
    if (!existsSync(join(REPO, 'dist', 'webview', `${page}.js`))) {
      throw new Error(`dist/webview/${page}.js is missing: run "node esbuild.mjs" first (npm test builds it).`);
    }
  }
}

export async function openPage(chromiumHandle: ChromiumHandle, pageName: PageName, handlers: PageHandler[], initialState?: unknown): Promise<PageSession> {
  const context = await chromiumHandle.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const router = new PageRouter(handlers, { scopeOperationId: (id) => `t.${id}` });
  let savedState: unknown = initialState;
  const sent: PageSession['sent'] = [];
  const replies: PageSession['replies'] = [];
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  await context.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(1);
    if (path === 'index.html') {
      const html = pageHtml({
        page: pageName,
        cspSource: ORIGIN,
        nonce: newNonce(),
        scriptUri: `${ORIGIN}/${pageName}.js`,
        styleUri: `${ORIGIN}/page.css`,
        title: pageName,
      });
      await route.fulfill({ status: 200, contentType: 'text/html', body: html });
      return;
    }
    const file = join(REPO, 'dist', 'webview', path);
    if (!/^[\w.-]+$/.test(path) || !existsSync(file)) {
      await route.fulfill({ status: 404, body: '' });
      return;
    }
    await route.fulfill({ status: 200, contentType: path.endsWith('.css') ? 'text/css' : path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream', body: readFileSync(file) });
  });

  await page.exposeBinding('__ldapumPost', async (_source, message: { method?: string; params?: unknown }) => {
    sent.push(message);
    const t0 = Date.now();
    const reply = await router.receive(message);
    const t1 = Date.now();
    if (reply) {
      replies.push(reply);
      // As a string: Playwright's own serialization of a large object graph takes seconds.
      await page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(reply)).catch(() => undefined);
    }
    if (process.env.LDAPUM_HARNESS_TIMING) {
      appendFileSync(process.env.LDAPUM_HARNESS_TIMING, `${new Date().toISOString()} ${message.method}: host ${t1 - t0} ms, to page ${Date.now() - t1} ms\n`);
    }
  });
  await page.exposeBinding('__ldapumSetState', (_source, state: unknown) => {
    savedState = state;
  });
  const installApi = (state: unknown) =>
    `(() => {
      // VS Code sets the theme's colors as --vscode-* properties on <html>; these are Light+'s.
      const theme = ${JSON.stringify(LIGHT_THEME)};
      const applyTheme = () => {
        for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
        document.body?.classList.add('vscode-light');
      };
      // Init scripts run before <html> exists: apply once the document is parsed.
      document.addEventListener('DOMContentLoaded', applyTheme, { once: true });
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
      let state = ${JSON.stringify(state ?? null)};
      let acquired = false;
      window.acquireVsCodeApi = () => {
        if (acquired) throw new Error('acquireVsCodeApi called twice');
        acquired = true;
        return {
          postMessage: (m) => window.__ldapumPost(JSON.parse(JSON.stringify(m))),
          getState: () => state,
          setState: (s) => { state = s; window.__ldapumSetState(JSON.parse(JSON.stringify(s))); },
        };
      };
    })();`;
  let initScript = installApi(savedState);
  await page.addInitScript({ content: initScript });

  const load = async () => {
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(() => document.getElementById('app')?.getAttribute('aria-busy') !== 'true' || !!document.querySelector('.banner.error'));
  };
  await load();

  return {
    page,
    router,
    state: () => savedState,
    sent,
    replies,
    consoleErrors,
    cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
    notify: async (method, params) => {
      await page.evaluate((m) => window.postMessage(m, '*'), { jsonrpc: '2.0', method, params });
    },
    reload: async () => {
      // addInitScript cannot be removed: the new script sees the latest state (it runs last).
      initScript = installApi(savedState);
      await page.addInitScript({ content: `window.acquireVsCodeApi = undefined;` + initScript });
      await load();
    },
    screenshot: async (name) => {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
  };
}
