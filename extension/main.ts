// Activation: builds the extension's parts once and hands every Disposable to one owner
// (LdapUsersExtension), which VS Code disposes on deactivation. Nothing here starts the backend:
// the first view that shows or the first command does (activation stays cheap).
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { BackendUnavailableError, type BackendClient } from './backend/backendClient';
import { BackendHost } from './backendHost';
import type { CommandEnv } from './commands/commandEnv';
import { registerCommands } from './commands/index';
import { OperationRunner } from './commands/operations';
import { PanelOpeners } from './commands/panelOpeners';
import { Config } from './config';
import { ErrorCodes } from '../protocol/errors';
import { ErrorPresenter } from './errors/errorPresenter';
import { ReportDocuments } from './reports/reportDocuments';
import { BindPasswords } from './secrets/bindPasswords';
import type { ExtensionServices } from './services';
import { RealmsTreeProvider, type TreeHost } from './tree/realmsTree';
import { TreeRefresher } from './tree/treeRefresher';
import { UsersTreeProvider } from './tree/usersTree';
import { registerWebviews } from './webviews/index';

const restrictedMessage = 'Restricted Mode: browsing only. No directory is contacted and nothing is changed until you trust this workspace.';

/**
 * What `activate` returns (`vscode.extensions.getExtension(id).exports`): for the test-electron
 * suite and automation. The backend client is the same typed one the views use.
 */
export interface LdapUsersApi {
  backend: BackendClient;
  realmsTree: RealmsTreeProvider;
  usersTree: UsersTreeProvider;
  bindPasswords: BindPasswords;
}

class LdapUsersExtension implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly api: LdapUsersApi;
  readonly host: BackendHost;
  readonly log: vscode.LogOutputChannel;
  private lastTreeError: { text: string; at: number } | undefined;

  constructor(context: vscode.ExtensionContext) {
    context.subscriptions.push(this);
    const log = (this.log = this.own(vscode.window.createOutputChannel('LDAP Users', { log: true })));
    const config = this.own(new Config());
    const bindPasswords = new BindPasswords(context.secrets);
    // The Realms view knows realm names; the host and error messages need them before it exists.
    const names = { of: (_id: number): string | undefined => undefined };
    const realmName = (id: number) => names.of(id);
    this.host = this.own(new BackendHost(context, log, config, bindPasswords, realmName));
    const backend = this.host.supervisor;
    const errors = new ErrorPresenter(log, realmName);
    const treeHost: TreeHost = {
      backend,
      unavailableReason: () => this.host.unavailableReason(),
      reportError: (err, what) => this.reportTreeError(errors, err, what),
      setContext: (key, value) => void vscode.commands.executeCommand('setContext', key, value),
    };
    const realms = this.own(new RealmsTreeProvider(treeHost));
    names.of = (id) => realms.realmName(id);
    const usersTree = this.own(new UsersTreeProvider(treeHost, realmName));
    const realmsView = this.own(
      vscode.window.createTreeView('ldapUsers.realms', { treeDataProvider: realms, showCollapseAll: true, canSelectMany: true }),
    );
    const usersView = this.own(vscode.window.createTreeView('ldapUsers.users', { treeDataProvider: usersTree, canSelectMany: true }));
    const describeUsers = () => {
      usersView.description = usersTree.describe();
    };
    describeUsers();
    this.own(usersTree.onDidChangeTreeData(describeUsers));
    const showTrust = () => {
      const message = vscode.workspace.isTrusted ? undefined : restrictedMessage;
      realmsView.message = message;
      usersView.message = message;
    };
    showTrust();
    this.own(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        showTrust();
        this.host.refreshContext();
        // Write commands are enabled now, and a registry that did not exist may be created.
        realms.refresh();
        usersTree.refresh();
      }),
    );
    this.own(new TreeRefresher(backend, realms, usersTree));
    this.own(backend.onDidChangeState((state) => {
      // After a restart the views reload what they show from the fresh backend.
      if (state === 'ready') {
        this.lastTreeError = undefined;
      }
    }));

    const services: ExtensionServices = {
      context,
      backend,
      log,
      config,
      bindPasswords,
      openers: new PanelOpeners(),
      errors,
      operations: new OperationRunner(backend),
      reports: this.own(new ReportDocuments()),
      knownRealms: () => realms.realms,
      isReadOnly: () => this.host.readOnly,
      canContactDirectories: () => vscode.workspace.isTrusted,
    };
    const env: CommandEnv = {
      ...services,
      realmsTree: realms,
      usersTree,
      restartBackend: async () => {
        await backend.restart();
        realms.refresh();
        usersTree.refresh();
      },
      showLog: () => log.show(),
      noteReachability: (realmId, err) => {
        const code = (err as { code?: unknown } | undefined)?.code;
        if (code === ErrorCodes.cannotConnect || code === ErrorCodes.timeout) {
          realms.setUnreachable(realmId, err instanceof Error ? err.message : 'cannot connect');
        }
      },
    };
    // A different registry file (setting, or another first folder): reopen it and reload the views.
    const reopen = () => {
      if (backend.state === 'idle') {
        realms.refresh();
        usersTree.refresh();
        return;
      }
      log.info('The registry location changed: restarting the backend.');
      env.restartBackend().catch((err) => void errors.show(err, 'Opening the registry'));
    };
    this.own(
      config.onDidChange((e) => {
        if (e.affectsConfiguration('ldapUsers.databasePath')) {
          reopen();
        }
      }),
    );
    let location = this.host.location();
    this.own(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        const next = this.host.location();
        if (JSON.stringify(next) !== JSON.stringify(location)) {
          location = next;
          reopen();
        }
      }),
    );
    this.disposables.push(...registerCommands(env));
    this.disposables.push(...registerWebviews(services));
    this.api = { backend, realmsTree: realms, usersTree, bindPasswords };
  }

  private own<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  /** A tree that cannot load says so once (not once per node), unless the status bar says it. */
  private reportTreeError(errors: ErrorPresenter, err: unknown, what: string): void {
    if (err instanceof BackendUnavailableError && (err.reason === 'failed' || err.reason === 'stopped')) {
      return;
    }
    const text = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    if (this.lastTreeError && this.lastTreeError.text === text && now - this.lastTreeError.at < 10_000) {
      return;
    }
    this.lastTreeError = { text, at: now };
    void errors.show(err, what);
  }

  async shutdown(): Promise<void> {
    await this.host.stop();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // Keep disposing the rest.
      }
    }
  }
}

let extension: LdapUsersExtension | undefined;

export function activate(context: vscode.ExtensionContext): LdapUsersApi {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    extension = new LdapUsersExtension(context);
  } catch (err) {
    // VS Code shows no notification when activation fails, so say it ourselves.
    void vscode.window.showErrorMessage(`LDAP Users could not start: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  // The README's activation figure comes from this line (wall clock, and CPU time of the extension
  // host process, which is steadier on a busy machine).
  extension.log.info(
    `Activated in ${ms.toFixed(1)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms); the backend starts when a view or command first needs it.`,
  );
  return extension.api;
}

export async function deactivate(): Promise<void> {
  const current = extension;
  extension = undefined;
  // Shut the backend down cleanly (flush, release the lock) before VS Code disposes the rest.
  await current?.shutdown();
}
