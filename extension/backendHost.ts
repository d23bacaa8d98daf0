// The backend as VS Code sees it: where the registry file is, the log channel, SecretStorage
// answers to `secret/get`, the read-only status bar item and context keys, and what the admin is
// told when the backend crashes. Process and connection handling is in backend/ (no vscode).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { LogMessage, SecretGet, type LogLevel, type SecretGetParams } from '../protocol/rpc';
import type { BackendState } from './backend/backendClient';
import { BackendSupervisor } from './backend/backendSupervisor';
import { CommandIds } from './commands/commandIds';
import type { Config } from './config';
import { resolveDatabasePath, type DatabaseLocation } from './databasePath';
import type { BindPasswords } from './secrets/bindPasswords';
import { askBindPassword } from './secrets/passwordPrompt';

const structuredLogLine = /^\[\d{4}-\d\d-\d\dT[^\]]*\] \[(error|warn|info|debug)\] /;
const levelRank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export class BackendHost implements vscode.Disposable {
  readonly supervisor: BackendSupervisor;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly statusItem: vscode.StatusBarItem;
  private readonly prompts = new Map<number, Promise<{ password: string } | null>>();

  constructor(
    context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    private readonly bindPasswords: BindPasswords,
    private readonly realmName: (realmId: number) => string | undefined,
  ) {
    this.supervisor = new BackendSupervisor({
      serverModule: context.asAbsolutePath('dist/server.js'),
      transport: 'ipc',
      // Structured lines ("[time] [level] message") also arrive as log/message; the rest (a
      // crash's stack trace, a module that failed to load) is only here.
      onStderrLine: (line) => {
        if (!structuredLogLine.test(line)) {
          this.log.warn(`[backend stderr] ${line}`);
        }
      },
      initializeParams: () => {
        const location = this.location();
        if (!location.ok) {
          throw new Error(location.reason);
        }
        mkdirSync(dirname(location.path), { recursive: true });
        this.log.info(`Opening the user registry ${location.path}`);
        return { databasePath: location.path, clientName: `${vscode.env.appName} ${vscode.version}` };
      },
    });
    this.statusItem = vscode.window.createStatusBarItem('ldapUsers.status', vscode.StatusBarAlignment.Left, 10);
    this.statusItem.name = 'LDAP Users';
    this.disposables.push(
      this.statusItem,
      this.supervisor.onRequest(SecretGet, (params) => this.answerSecret(params)),
      this.supervisor.onNotification(LogMessage, ({ level, message }) => this.logBackend(level, message)),
      this.supervisor.onDidChangeState((state) => this.onState(state)),
      this.supervisor.onDidCrash(({ exit, decision }) => {
        const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
        if (decision.restart) {
          this.log.warn(`The backend ${how}; restarting in ${decision.delayMs} ms.`);
          return;
        }
        this.log.error(`The backend ${how}; it crashed ${decision.crashes} times within 3 minutes and is not restarted again.`);
        void vscode.window
          .showErrorMessage(
            `The LDAP Users backend crashed ${decision.crashes} times within 3 minutes and was stopped. The log says why.`,
            'Show Log',
            'Restart Backend',
          )
          .then((choice) => {
            if (choice === 'Show Log') {
              this.log.show();
            } else if (choice === 'Restart Backend') {
              void vscode.commands.executeCommand(CommandIds.restartBackend);
            }
          });
      }),
    );
    this.onState('idle');
  }

  location(): DatabaseLocation {
    const location = resolveDatabasePath(this.config.databasePath, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
    // Restricted Mode browses an existing registry; it never creates one.
    if (location.ok && !vscode.workspace.isTrusted && !existsSync(location.path)) {
      return {
        ok: false,
        reason: 'Restricted Mode: this workspace has no user registry yet, and none is created until you trust the workspace.',
      };
    }
    return location;
  }

  /** Why the registry cannot be opened at all (no folder…), or undefined. */
  unavailableReason(): string | undefined {
    const location = this.location();
    return location.ok ? undefined : location.reason;
  }

  get readOnly(): boolean {
    return this.supervisor.session?.readOnly === true;
  }

  /** Backend → client: the bind password for a realm's url + bind DN (asks when unknown). */
  private answerSecret(params: SecretGetParams): Promise<{ password: string } | null> {
    if (!vscode.workspace.isTrusted) {
      return Promise.resolve(null);
    }
    const running = this.prompts.get(params.realmId);
    if (running) {
      return running;
    }
    const answer = (async () => {
      const known = await this.bindPasswords.lookup(params);
      if (known !== undefined) {
        return { password: known };
      }
      const asked = await askBindPassword(params, this.realmName(params.realmId), 'The directory needs its bind password.');
      if (!asked) {
        return null;
      }
      await this.bindPasswords.save(params, asked.password, asked.remember);
      return { password: asked.password };
    })().finally(() => this.prompts.delete(params.realmId));
    this.prompts.set(params.realmId, answer);
    return answer;
  }

  private logBackend(level: LogLevel, message: string): void {
    if ((levelRank[level] ?? 2) > levelRank[this.config.logLevel]) {
      return;
    }
    const line = `[backend] ${message}`;
    switch (level) {
      case 'error':
        return this.log.error(line);
      case 'warn':
        return this.log.warn(line);
      case 'debug':
        return this.log.debug(line);
      default:
        return this.log.info(line);
    }
  }

  private onState(state: BackendState): void {
    const session = this.supervisor.session;
    void vscode.commands.executeCommand('setContext', 'ldapUsers.backendState', state);
    void vscode.commands.executeCommand('setContext', 'ldapUsers.readOnly', this.readOnly);
    void vscode.commands.executeCommand('setContext', 'ldapUsers.writable', vscode.workspace.isTrusted && !this.readOnly);
    if (state === 'ready' && session) {
      this.log.info(
        `Backend ${session.serverVersion} ready (schema ${session.schemaVersion}${session.readOnly ? `, read-only: ${session.readOnlyReason ?? 'locked'}` : ''}).`,
      );
    }
    const item = this.statusItem;
    if (state === 'ready' && session?.readOnly) {
      item.text = '$(lock) LDAP Users: read-only';
      item.tooltip = `The user registry is open read-only: ${session.readOnlyReason ?? 'another process holds it'}. Changes are disabled. Click for the log.`;
      item.command = CommandIds.showLog;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      item.show();
    } else if (state === 'failed') {
      item.text = '$(error) LDAP Users stopped';
      item.tooltip = 'The LDAP Users backend crashed repeatedly and was stopped. Click to restart it; the log says why.';
      item.command = CommandIds.restartBackend;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      item.show();
    } else if (state === 'restarting') {
      item.text = '$(sync~spin) LDAP Users restarting…';
      item.tooltip = 'The LDAP Users backend stopped unexpectedly and is being restarted.';
      item.command = CommandIds.showLog;
      item.backgroundColor = undefined;
      item.show();
    } else {
      item.hide();
    }
  }

  /** Called when workspace trust is granted: write commands become available. */
  refreshContext(): void {
    this.onState(this.supervisor.state);
  }

  async stop(): Promise<void> {
    await this.supervisor.stop();
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.supervisor.dispose();
  }
}
