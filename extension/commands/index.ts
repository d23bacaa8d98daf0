// The command registry: every contributed command with what it needs (read / write / contact a
// directory), registered once. A command refused by workspace trust or read-only mode says why;
// a failing command shows the error with what to do (errors/errorPresenter.ts).
import * as vscode from 'vscode';
import type { CommandEnv, CommandNeed, CommandSpec } from './commandEnv';
import { realmIdFromArg } from './commandArgs';
import type { CommandId } from './commandIds';
import { realmCommands } from './realmCommands';
import { userCommands } from './userCommands';
import { viewCommands } from './viewCommands';

export { CommandIds } from './commandIds';
export { PanelOpeners, type PanelKind, type PanelOpenerArgs } from './panelOpeners';

export const commandSpecs: Record<CommandId, CommandSpec> = {
  ...realmCommands,
  ...userCommands,
  ...viewCommands,
};

/** Why a command with this need may not run now, or undefined when it may. */
export function refusal(need: CommandNeed, trusted: boolean, readOnly: boolean): string | undefined {
  if (need === 'read') {
    return undefined;
  }
  if (!trusted) {
    return 'Restricted Mode: LDAP Users contacts no directory and changes nothing until you trust this workspace.';
  }
  if (readOnly && need !== 'directory') {
    return 'The user registry is open read-only (another window holds it, or it comes from a newer version), so changes are disabled.';
  }
  return undefined;
}

export function registerCommands(env: CommandEnv): vscode.Disposable[] {
  return (Object.entries(commandSpecs) as [CommandId, CommandSpec][]).map(([id, spec]) =>
    vscode.commands.registerCommand(id, async (arg?: unknown, selection?: unknown) => {
      const refused = refusal(spec.need, env.canContactDirectories(), env.isReadOnly());
      if (refused) {
        const manage = 'Manage Workspace Trust';
        const choice = await vscode.window.showWarningMessage(refused, ...(env.canContactDirectories() ? [] : [manage]));
        if (choice === manage) {
          await vscode.commands.executeCommand('workbench.trust.manage');
        }
        return undefined;
      }
      try {
        return await spec.run(env, arg, selection);
      } catch (err) {
        await env.errors.show(err, commandTitle(id), realmIdFromArg(arg));
        return undefined;
      }
    }),
  );
}

function commandTitle(id: CommandId): string {
  const words = id.slice('ldapUsers.'.length).replace(/([A-Z])/g, ' $1');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

