// What the extension's parts share, created once in main.ts. The webview module receives it in
// `registerWebviews(services)`.
import type * as vscode from 'vscode';
import type { Realm } from '../protocol/model';
import type { BackendClient } from './backend/backendClient';
import type { PanelOpeners } from './commands/panelOpeners';
import type { Config } from './config';
import type { ErrorPresenter } from './errors/errorPresenter';
import type { OperationRunner } from './commands/operations';
import type { ReportDocuments } from './reports/reportDocuments';
import type { BindPasswords } from './secrets/bindPasswords';

export interface ExtensionServices {
  context: vscode.ExtensionContext;
  /** Typed requests to the backend (started on first use); see backend/backendClient.ts. */
  backend: BackendClient;
  /** The "LDAP Users" log channel. */
  log: vscode.LogOutputChannel;
  config: Config;
  /** Bind passwords in SecretStorage, bound to realm id + url + bind DN. */
  bindPasswords: BindPasswords;
  /** Register webview panels for Add/Edit Directory, Import Users, Resync User, Show User. */
  openers: PanelOpeners;
  /** Shows a backend error with what to do and actions (Edit Directory, Set Bind Password…). */
  errors: ErrorPresenter;
  /** Runs a long request under a cancellable progress notification (operation/progress). */
  operations: OperationRunner;
  /** Opens read-only markdown documents (reports, user details, audit log). */
  reports: ReportDocuments;
  /** Realms as the Realms view last loaded them. */
  knownRealms(): Realm[];
  /** True when the registry is open read-only (lock held elsewhere, newer schema). */
  isReadOnly(): boolean;
  /** True when directories may be contacted (the workspace is trusted). */
  canContactDirectories(): boolean;
}
