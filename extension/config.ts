// The extension's settings (package.json `ldapUsers.*`), one typed getter each. The only place
// that reads the configuration.
import * as vscode from 'vscode';
import type { LogLevel } from '../protocol/rpc';

const section = 'ldapUsers';

export class Config implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.ConfigurationChangeEvent>();
  /** Fires when any `ldapUsers.*` setting changes. */
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(section)) {
        this.emitter.fire(e);
      }
    });
  }

  /** The registry file as written in the setting (relative to the first workspace folder). */
  get databasePath(): string {
    return this.get('databasePath', '.vscode/ldap-users.sqlite');
  }

  /** The most directory entries one search returns. */
  get searchLimit(): number {
    return this.get('search.limit', 1000);
  }

  /** Role names preselected for new users when importing. */
  get importDefaultRoles(): string[] {
    return this.get<string[]>('import.defaultRoles', []).filter((r) => typeof r === 'string' && r.trim() !== '');
  }

  /** Share (0–1) of a realm's users a resync may mark missing before it stops and asks. */
  get syncMissingThreshold(): number {
    const v = this.get('sync.missingThreshold', 0.1);
    return Math.min(1, Math.max(0, v));
  }

  /** Least important backend message written to the log channel. */
  get logLevel(): LogLevel {
    return this.get<LogLevel>('log.level', 'info');
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }

  private get<T>(key: string, fallback: T): T {
    const value = vscode.workspace.getConfiguration(section).get<T>(key);
    return value === undefined || value === null ? fallback : value;
  }
}
