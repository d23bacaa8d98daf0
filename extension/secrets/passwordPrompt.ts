// Asks the administrator for a bind password: a password InputBox whose title-bar button
// toggles whether it is remembered in SecretStorage.
import * as vscode from 'vscode';
import type { BindTarget } from './bindPasswords';

export interface PasswordAnswer {
  password: string;
  remember: boolean;
}

export function askBindPassword(
  target: BindTarget,
  realmName: string | undefined,
  reason?: string,
): Promise<PasswordAnswer | undefined> {
  const input = vscode.window.createInputBox();
  let remember = true;
  const rememberOn: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('pass-filled'),
    tooltip: 'Will be remembered in VS Code secret storage (click to use for this session only)',
  };
  const rememberOff: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('circle-large-outline'),
    tooltip: 'Used for this session only (click to remember in VS Code secret storage)',
  };
  const describe = () => {
    input.buttons = [remember ? rememberOn : rememberOff];
    input.prompt = `${reason ? `${reason} ` : ''}Bind DN ${target.bindDn || '(anonymous)'} at ${target.url}. ${
      remember ? 'The password will be remembered in VS Code secret storage.' : 'The password is used for this session only.'
    }`;
  };
  input.title = `Bind password for ${realmName ? `"${realmName}"` : `directory #${target.realmId}`}`;
  input.password = true;
  input.ignoreFocusOut = true;
  input.placeholder = 'Password';
  describe();
  return new Promise<PasswordAnswer | undefined>((resolve) => {
    let answered = false;
    const subs: vscode.Disposable[] = [
      input.onDidTriggerButton(() => {
        remember = !remember;
        describe();
      }),
      input.onDidAccept(() => {
        if (input.value === '') {
          input.validationMessage = 'Enter the password, or press Escape to cancel.';
          return;
        }
        answered = true;
        resolve({ password: input.value, remember });
        input.hide();
      }),
      input.onDidChangeValue(() => {
        input.validationMessage = undefined;
      }),
      input.onDidHide(() => {
        if (!answered) {
          resolve(undefined);
        }
        subs.forEach((s) => s.dispose());
        input.dispose();
      }),
    ];
    input.show();
  });
}
