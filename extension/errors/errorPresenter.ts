// Shows a described error once, with its actions; the details go to the log.
import * as vscode from 'vscode';
import { CommandIds } from '../commands/commandIds';
import { describeError, errorActionTitles, isCancellation, type ErrorAction, type ErrorMessage } from './errorMessages';

export class ErrorPresenter {
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly realmName: (realmId: number) => string | undefined,
  ) {}

  /** Logs and shows `err`; resolves when the message is dismissed or an action ran. */
  async show(err: unknown, what?: string, realmId?: number): Promise<void> {
    if (isCancellation(err)) {
      return;
    }
    // The backend names the realm in `data`; the caller may know it better.
    const targetRealm = describeError(err, what).realmId ?? realmId;
    const shown: ErrorMessage = describeError(
      err,
      what,
      targetRealm !== undefined ? this.realmName(targetRealm) : undefined,
    );
    this.log.error(`${shown.message}${err instanceof Error && err.stack ? `\n${err.stack}` : ''}`);
    const titles = shown.actions.map((a) => errorActionTitles[a]);
    const show =
      shown.severity === 'error'
        ? vscode.window.showErrorMessage
        : shown.severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    const picked = await show(shown.message, ...titles);
    const action = shown.actions.find((a) => errorActionTitles[a] === picked);
    if (action) {
      await runErrorAction(action, targetRealm);
    }
  }
}

export async function runErrorAction(action: ErrorAction, realmId: number | undefined): Promise<void> {
  const realmArg = realmId !== undefined ? { realmId } : undefined;
  switch (action) {
    case 'editDirectory':
      return void (await vscode.commands.executeCommand(CommandIds.editDirectory, realmArg));
    case 'setBindPassword':
      return void (await vscode.commands.executeCommand(CommandIds.setBindPassword, realmArg));
    case 'testConnection':
      return void (await vscode.commands.executeCommand(CommandIds.testConnection, realmArg));
    case 'showLog':
      return void (await vscode.commands.executeCommand(CommandIds.showLog));
    case 'refresh':
      return void (await vscode.commands.executeCommand(CommandIds.refresh));
    case 'restartBackend':
      return void (await vscode.commands.executeCommand(CommandIds.restartBackend));
    case 'openSettings':
      return void (await vscode.commands.executeCommand('workbench.action.openSettings', 'ldapUsers.databasePath'));
  }
}
