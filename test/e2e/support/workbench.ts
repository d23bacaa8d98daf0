// Drives the VS Code workbench in Debian's Chromium (playwright-core) the way an administrator
// would: activity bar, command palette, tree items, webview forms, notifications. Every helper
// waits for what must be on the screen, never for a fixed time. Screenshots go to
// test/e2e/artifacts/<suite>/; a failing step() saves one and names it in the error.

import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, chromiumPath } from './tools';
import { childrenRunning, watchGroup } from './processTree';

/** The longest any single on-screen condition may take (the CI machine has 2 busy cores). */
export const UI_TIMEOUT_MS = Number(process.env.LDAPUM_E2E_UI_TIMEOUT_MS ?? 30_000);
/**
 * The first condition that needs the extension running (its host starts, it activates, its
 * backend opens the registry): on a loaded 2-core machine with several VS Codes this has taken
 * over 30 s.
 */
export const EXTENSION_START_TIMEOUT_MS = UI_TIMEOUT_MS * 4;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  // No crash reporter: its handler daemonizes and would outlive the browser.
  '--disable-crash-reporter',
  '--disable-breakpad',
];

export interface OpenBrowserOptions {
  /** Folder name under test/e2e/artifacts for this suite's screenshots. */
  suite: string;
  viewport?: { width: number; height: number };
}

export async function openBrowser(url: string, options: OpenBrowserOptions): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: UI_TIMEOUT_MS,
    handleSIGINT: false,
    handleSIGTERM: false,
  });
  // Playwright starts Chromium as a process-group leader (Debian's /usr/bin/chromium script
  // execs /usr/lib/chromium/chromium); make sure it dies with us.
  const watchdogs = childrenRunning(/\/(chromium|chrome)$/).map((pid) => watchGroup(pid));
  try {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    const wb = new Workbench(browser, page, join(REPO_ROOT, 'test/e2e/artifacts', options.suite), watchdogs);
    await wb.load(url);
    return wb;
  } catch (e) {
    await browser.close().catch(() => {});
    for (const w of watchdogs) w.cancel();
    throw e;
  }
}

export class Workbench {
  private shots = 0;
  /** How long each step() took to its condition (screenshots excluded), in order. */
  readonly stepTimes: { name: string; ms: number }[] = [];
  /** Messages the page logged as errors, for failure reports. */
  readonly consoleErrors: string[] = [];

  constructor(
    readonly browser: Browser,
    readonly page: Page,
    readonly artifactsDir: string,
    private readonly watchdogs: { cancel(): void }[] = [],
  ) {
    rmSync(artifactsDir, { recursive: true, force: true });
    mkdirSync(artifactsDir, { recursive: true });
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text().slice(0, 500));
    });
  }

  /** Opens the workbench and waits until it takes input (activity bar and status bar rendered). */
  async load(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: EXTENSION_START_TIMEOUT_MS });
    await this.page.locator('.monaco-workbench .part.activitybar .action-item').first().waitFor({ timeout: EXTENSION_START_TIMEOUT_MS });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor();
  }

  /** The activity-bar entry of a view container, e.g. "LDAP Users". */
  activityBarItem(title: string): Locator {
    return this.page.locator(`.part.activitybar .action-item a.action-label[aria-label^="${cssString(title)}"]`).first();
  }

  /** Shows a view container from the activity bar (clicking again would hide the side bar). */
  async openViewContainer(title: string): Promise<void> {
    const item = this.activityBarItem(title);
    await item.waitFor();
    const li = item.locator('xpath=..');
    if ((await li.getAttribute('class'))?.split(/\s+/).includes('checked') !== true) {
      await item.click();
      await this.moveMouseAway();
    }
    // The side bar's title reads "LDAP USERS" (several views) or "LDAP Users: Realms" (one).
    await this.page.locator('.part.sidebar .composite.title .title-label h2', { hasText: new RegExp(`^${escapeRegExp(title)}`, 'i') }).waitFor();
  }

  /** The pane (view) with this title in the side bar, e.g. "Realms". */
  view(title: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({
      has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${escapeRegExp(title)}$`, 'i') }),
    });
  }

  /** Expands a side-bar view if it is collapsed. */
  async expandView(title: string): Promise<Locator> {
    const view = this.view(title);
    const header = view.locator('.pane-header');
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    await this.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await header.elementHandle());
    return view;
  }

  /** A tree item (in any view, or within `scope`) whose label is exactly `label`. */
  treeItem(label: string | RegExp, scope?: Locator): Locator {
    const root = scope ?? this.page.locator('.monaco-workbench');
    const exact = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}$`) : label;
    return root.locator('.monaco-list-row[role="treeitem"]').filter({
      has: this.page.locator('.label-name, .monaco-highlighted-label', { hasText: exact }),
    });
  }

  async waitForTreeItem(label: string | RegExp, scope?: Locator, timeout?: number): Promise<Locator> {
    const item = this.treeItem(label, scope).first();
    await item.waitFor({ timeout });
    return item;
  }

  /** Runs a command from the command palette (F1) by its title as listed there. */
  async runCommand(title: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.locator('.monaco-workbench').focus().catch(() => {});
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
      .first();
    await row.waitFor();
    await row.click();
    // Done when the palette closed or the command replaced it with its own quick pick.
    await this.page.waitForFunction(() => {
      const widget = document.querySelector<HTMLElement>('.quick-input-widget');
      const box = widget?.querySelector<HTMLInputElement>('.quick-input-box input');
      return widget === null || widget === undefined || widget.style.display === 'none' || !box?.value.startsWith('>');
    });
  }

  /** A button of a view's welcome content (viewsWelcome), e.g. "Add LDAP Directory". */
  welcomeButton(text: string, scope?: Locator): Locator {
    const root = scope ?? this.page.locator('.part.sidebar');
    return root.locator('.welcome-view-content .monaco-button', { hasText: new RegExp(`^${escapeRegExp(text)}$`) });
  }

  /** Picks an item in an open quick pick (showQuickPick / showInputBox flows) by its label. */
  async pickQuickItem(label: string | RegExp): Promise<void> {
    const exact = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}$`) : label;
    const row = this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exact }) })
      .first();
    await row.click();
  }

  /** Types into an open input box (showInputBox) and accepts it with Enter. */
  async answerInputBox(text: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill(text);
    await input.press('Enter');
  }

  /** Parks the mouse over the empty editor area so no hover tooltip covers a screenshot. */
  async moveMouseAway(): Promise<void> {
    const size = this.page.viewportSize() ?? { width: 1400, height: 900 };
    await this.page.mouse.move(size.width - 20, size.height / 2);
  }

  async closeQuickInput(): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    if (await widget.isVisible()) {
      await this.page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden' });
    }
  }

  /**
   * The content of the visible webview (panel or view). VS Code renders each webview as an outer
   * iframe (iframe.webview, no title) holding the page in iframe#active-frame; hidden ones are
   * not visible, so after showEditor(title) this is that panel's page.
   */
  webview(index = 0): FrameLocator {
    return this.page.locator('iframe.webview.ready:visible').nth(index).contentFrame().frameLocator('iframe#active-frame');
  }

  /** Brings an editor (a webview panel, a file) to the front by clicking its tab. */
  async showEditor(label: string | RegExp): Promise<void> {
    const tab = this.editorTab(label).first();
    await tab.waitFor();
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await this.page.waitForFunction((el) => el?.getAttribute('aria-selected') === 'true', await tab.elementHandle());
  }

  /** Right-clicks `target` (a tree item) and picks `title` in its context menu. */
  async contextMenu(target: Locator, title: string): Promise<void> {
    await target.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.waitFor();
    const item = menu
      .locator('.action-menu-item')
      .filter({ has: this.page.locator('.action-label', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
      .first();
    // VS Code's menu ignores a mouse-up that comes too soon after it opened (seen under load: the
    // item highlighted, the menu still open). The menu closes before its action runs, so while it
    // is still open the action has not run and clicking again is safe.
    for (let attempt = 1; ; attempt++) {
      await item.click();
      try {
        await menu.waitFor({ state: 'detached', timeout: attempt < 3 ? 3000 : 30_000 });
        return;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  /** Expands a collapsed tree item (clicking its twistie, which does not run the item's command). */
  async expandTreeItem(item: Locator): Promise<void> {
    if ((await item.getAttribute('aria-expanded')) === 'false') {
      await item.locator('.monaco-tl-twistie').click();
    }
    await this.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await item.elementHandle());
  }

  /** An editor tab by its label. */
  editorTab(label: string | RegExp): Locator {
    const exact = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}$`) : label;
    return this.page.locator('.tabs-container .tab').filter({ has: this.page.locator('.label-name', { hasText: exact }) });
  }

  /** A notification toast whose message matches `text`. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
  }

  /** Clicks a button on a modal dialog (showWarningMessage with modal: true). */
  async answerDialog(button: string): Promise<void> {
    const dialog = this.page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    await dialog.locator('.dialog-buttons a.monaco-button, .dialog-buttons .monaco-button', { hasText: new RegExp(`^${escapeRegExp(button)}$`) }).first().click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** Saves a full-page screenshot as NN-name.png in this suite's artifacts folder. */
  async screenshot(name: string): Promise<string> {
    this.shots += 1;
    const path = join(this.artifactsDir, `${String(this.shots).padStart(2, '0')}-${slug(name)}.png`);
    await this.page.screenshot({ path, timeout: UI_TIMEOUT_MS });
    return path;
  }

  /**
   * Runs one user-visible step; a screenshot is saved after it, and when it fails the error
   * names the screenshot of the screen at that moment (plus the page's console errors).
   */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let result: T;
    const started = Date.now();
    try {
      result = await fn();
      this.stepTimes.push({ name, ms: Date.now() - started });
    } catch (e) {
      let shot = '(no screenshot)';
      try {
        shot = await this.screenshot(`FAILED-${name}`);
      } catch {
        // the page may be gone
      }
      const err = e instanceof Error ? e : new Error(String(e));
      err.message = `Step "${name}" failed: ${err.message}\nScreenshot: ${shot}` +
        (this.consoleErrors.length > 0 ? `\nWorkbench console errors:\n  ${this.consoleErrors.slice(-5).join('\n  ')}` : '');
      throw err;
    }
    await this.screenshot(name);
    return result;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => {});
    for (const w of this.watchdogs) w.cancel();
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssString(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}
