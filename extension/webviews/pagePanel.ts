// One webview panel: static HTML (pageHtml.ts), a PageRouter that checks every message from the
// page before a handler relays it to the backend, and the host → page notifications (progress
// of the page's own operations, registry changes). Everything it registers is disposed with it.
import * as vscode from 'vscode';
import { OperationProgressNotification, StoreDidChange } from '../../protocol/rpc';
import { PAGE_JSONRPC, WebviewProgress, WebviewStoreChanged } from '../../protocol/webview';
import type { ExtensionServices } from '../services';
import { KnownIds } from './pageHostDeps';
import { newNonce, pageHtml, type PageName } from './pageHtml';
import { PageRouter, type PageHandler } from './pageRouter';

let panelSequence = 0;

export interface PagePanelSpec {
  page: PageName;
  title: string;
  handlers(known: KnownIds): PageHandler[];
}

export class PagePanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly router: PageRouter;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly scopePrefix = `p${++panelSequence}.`;
  private disposed = false;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(
    services: ExtensionServices,
    spec: PagePanelSpec,
  ) {
    const root = vscode.Uri.joinPath(services.context.extensionUri, 'dist', 'webview');
    this.panel = vscode.window.createWebviewPanel(`ldapUsers.${spec.page}`, spec.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [root],
    });
    const webview = this.panel.webview;
    const known = new KnownIds(services.backend);
    this.router = new PageRouter(spec.handlers(known), {
      // Operation ids reach the backend: prefix them so two panels never share one.
      scopeOperationId: (id) => `${this.scopePrefix}${id}`,
      onRefused: (method, reason) => services.log.warn(`Webview ${spec.page}: refused ${method || 'a message'}: ${reason}`),
      onInternalError: (method, err) => services.log.error(`Webview ${spec.page}: ${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    });
    webview.html = pageHtml({
      page: spec.page,
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, `${spec.page}.js`)).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'page.css')).toString(),
      title: spec.title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage(async (message: unknown) => {
        try {
          const reply = await this.router.receive(message);
          if (reply && !this.disposed) {
            await webview.postMessage(reply);
          }
        } catch (err) {
          services.log.error(`Webview ${spec.page}: a message could not be handled: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
      services.backend.onNotification(OperationProgressNotification, (progress) => {
        if (!progress.operationId.startsWith(this.scopePrefix)) {
          return;
        }
        // `p1.import-3:7` (realm 7 of an all-realms import) → the page's `import-3`.
        const pageOperationId = progress.operationId.slice(this.scopePrefix.length).split(':')[0] ?? '';
        this.notify(WebviewProgress.method, { ...progress, operationId: pageOperationId });
      }),
      services.backend.onNotification(StoreDidChange, (change) => {
        known.load().then(
          () => this.notify(WebviewStoreChanged.method, change),
          () => undefined,
        );
      }),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.router.dispose();
    for (const d of this.disposables.splice(0)) {
      d.dispose();
    }
    this.panel.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }

  private notify(method: string, params: unknown): void {
    if (!this.disposed) {
      void this.panel.webview.postMessage({ jsonrpc: PAGE_JSONRPC, method, params });
    }
  }
}
