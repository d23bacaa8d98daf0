// Commands on directories (realms): add, edit, remove, test, bind password, import, resync.
import * as vscode from 'vscode';
import { ErrorCodes } from '../../protocol/errors';
import type { DirectoryEntry, ImportReport, Realm, SyncReport } from '../../protocol/model';
import {
  RealmDelete,
  RealmList,
  RealmResync,
  RealmSearch,
  RealmTest,
  UserImport,
  type RealmUsersOnDelete,
  UserList,
} from '../../protocol/rpc';
import { reportMarkdown, summarizeReport, testResultMarkdown, testResultSummary } from '../reports/reportText';
import { askBindPassword } from '../secrets/passwordPrompt';
import { realmIdFromArg } from './commandArgs';
import type { CommandEnv, CommandSpec } from './commandEnv';
import { CommandIds } from './commandIds';
import { directoryWizard } from './directoryWizard';
import { confirm, pickRealm, pickRoles } from './pickers';

/** ldapUsers.sync.missingThreshold's default (package.json), which the backend applies by itself. */
const defaultMissingThreshold = 0.1;

/** The realm the command was invoked on, or one the admin picks. */
export async function resolveRealm(
  env: CommandEnv,
  arg: unknown,
  placeHolder: string,
  accept?: (realm: Realm) => boolean,
): Promise<Realm | undefined> {
  const id = realmIdFromArg(arg);
  if (id === undefined) {
    return pickRealm(env.backend, placeHolder, accept);
  }
  const realm = (await env.backend.request(RealmList, {})).find((r) => r.id === id);
  if (!realm) {
    void vscode.window.showWarningMessage(`Directory #${id} no longer exists; the views were refreshed.`);
    env.realmsTree.refresh();
  }
  return realm;
}

async function showReport(env: CommandEnv, title: string, report: ImportReport | SyncReport, kind: 'import' | 'resync') {
  const summary = summarizeReport(report, kind);
  const show = 'Show Report';
  const problems = report.conflicts > 0 || report.failed.length > 0;
  const notify = problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  env.log.info(`${title}: ${summary}`);
  if ((await notify(`${title}: ${summary}.`, show)) === show) {
    await env.reports.show(title, reportMarkdown(title, report, kind));
  }
}

const addDirectory: CommandSpec = {
  need: 'write',
  run: async (env) => {
    const open = env.openers.get('addDirectory');
    if (open) {
      return open({});
    }
    return directoryWizard(env);
  },
};

const addDirectoryStepByStep: CommandSpec = { need: 'write', run: (env) => directoryWizard(env) };

const editDirectory: CommandSpec = {
  need: 'write',
  run: async (env, arg) => {
    const realm = await resolveRealm(env, arg, 'Directory to edit');
    if (!realm) {
      return;
    }
    const open = env.openers.get('editDirectory');
    if (open) {
      return open({ realmId: realm.id });
    }
    return directoryWizard(env, realm);
  },
};

const removeDirectory: CommandSpec = {
  need: 'write',
  run: async (env, arg) => {
    const realm = await resolveRealm(env, arg, 'Directory to remove');
    if (!realm) {
      return;
    }
    const { total } = await env.backend.request(UserList, { realmId: realm.id, category: 'external', limit: 1 });
    let users: RealmUsersOnDelete = 'keep';
    if (total > 0) {
      const choice = await vscode.window.showQuickPick(
        [
          { label: 'Convert them to internal users', detail: 'They keep their roles and can log in as before.', value: 'convertToInternal' as const },
          { label: 'Keep them as external users', detail: 'They stay in the registry, without a directory.', value: 'keep' as const },
          { label: 'Delete them', detail: 'Their audit entries are kept.', value: 'delete' as const },
        ],
        { title: `Remove "${realm.name}"`, placeHolder: `What happens to its ${total} imported users?`, ignoreFocusOut: true },
      );
      if (!choice) {
        return;
      }
      users = choice.value;
    }
    const effect =
      total === 0 ? 'It has no imported users.' : users === 'delete' ? `Its ${total} users will be deleted.` : users === 'keep' ? `Its ${total} users are kept.` : `Its ${total} users become internal users.`;
    if (!(await confirm(`Remove the directory "${realm.name}"?`, `${effect} The bind password is forgotten.`, 'Remove'))) {
      return;
    }
    const result = await env.backend.request(RealmDelete, { realmId: realm.id, users });
    await env.bindPasswords.forget(realm.id);
    void vscode.window.showInformationMessage(
      `Directory "${realm.name}" removed${result.affectedUsers > 0 ? ` (${result.affectedUsers} users ${users === 'delete' ? 'deleted' : users === 'keep' ? 'kept' : 'converted'})` : ''}.`,
    );
  },
};

const testConnection: CommandSpec = {
  need: 'directory',
  run: async (env, arg) => {
    const realm = await resolveRealm(env, arg, 'Directory to test');
    if (!realm) {
      return;
    }
    let result;
    try {
      result = await env.operations.run(`Testing "${realm.name}"…`, (operationId, token) =>
        env.backend.request(RealmTest, { realmId: realm.id, operationId }, token),
      );
    } catch (err) {
      env.noteReachability(realm.id, err);
      throw err;
    }
    const failedStep = result.steps.find((s) => !s.ok);
    env.realmsTree.setUnreachable(
      realm.id,
      failedStep && (failedStep.name === 'resolve' || failedStep.name === 'connect') ? failedStep.message ?? 'cannot connect' : undefined,
    );
    const summary = testResultSummary(realm.name, result);
    env.log.info(summary);
    const details = 'Show Details';
    if (result.ok) {
      if ((await vscode.window.showInformationMessage(summary, details)) === details) {
        await env.reports.show(`Test ${realm.name}`, testResultMarkdown(realm.name, result));
      }
      return result;
    }
    const actions = failedStep?.name === 'bind' ? ['Set Bind Password', 'Edit Directory', details] : ['Edit Directory', details];
    const picked = await vscode.window.showErrorMessage(summary, ...actions);
    if (picked === details) {
      await env.reports.show(`Test ${realm.name}`, testResultMarkdown(realm.name, result));
    } else if (picked === 'Set Bind Password') {
      await vscode.commands.executeCommand(CommandIds.setBindPassword, { realmId: realm.id });
    } else if (picked === 'Edit Directory') {
      await vscode.commands.executeCommand(CommandIds.editDirectory, { realmId: realm.id });
    }
    return result;
  },
};

const setBindPassword: CommandSpec = {
  need: 'directory',
  run: async (env, arg) => {
    const realm = await resolveRealm(env, arg, 'Directory whose bind password to set');
    if (!realm) {
      return;
    }
    if (!realm.bindDn) {
      void vscode.window.showInformationMessage(`"${realm.name}" binds anonymously (no bind DN); it needs no password.`);
      return;
    }
    const target = { realmId: realm.id, url: realm.url, bindDn: realm.bindDn };
    const answer = await askBindPassword(target, realm.name);
    if (!answer) {
      return;
    }
    await env.bindPasswords.save(target, answer.password, answer.remember);
    const test = 'Test Connection';
    const choice = await vscode.window.showInformationMessage(
      `Bind password for "${realm.name}" ${answer.remember ? 'saved in VS Code secret storage' : 'set for this session'}.`,
      test,
    );
    if (choice === test) {
      await vscode.commands.executeCommand(CommandIds.testConnection, { realmId: realm.id });
    }
  },
};

const importUsers: CommandSpec = {
  need: 'contact',
  run: async (env, arg) => {
    const open = env.openers.get('importUsers');
    if (open) {
      const realmId = realmIdFromArg(arg);
      return open(realmId !== undefined ? { realmId } : {});
    }
    return importStepByStep(env, arg);
  },
};

const importUsersStepByStep: CommandSpec = { need: 'contact', run: (env, arg) => importStepByStep(env, arg) };

const statusWords: Record<DirectoryEntry['status'], string> = {
  new: 'new',
  imported: 'imported, unchanged',
  changed: 'imported, changed in LDAP',
  conflict: 'conflict',
};

async function importStepByStep(env: CommandEnv, arg: unknown): Promise<ImportReport | undefined> {
  const realm = await resolveRealm(env, arg, 'Directory to import users from', (r) => r.enabled);
  if (!realm) {
    return undefined;
  }
  const query = await vscode.window.showInputBox({
    title: `Import users from "${realm.name}" (1/4)`,
    value: '*',
    prompt: 'A username, keywords (each must match a name, username or email), * for everyone, or an LDAP filter such as (department=Sales)',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Enter *, a name or a filter.' : undefined),
  });
  if (query === undefined) {
    return undefined;
  }
  const limit = env.config.searchLimit;
  let result;
  try {
    result = await env.operations.run(`Searching "${realm.name}"…`, (operationId, token) =>
      env.backend.request(RealmSearch, { realmId: realm.id, query: query.trim(), limit, operationId }, token),
    );
  } catch (err) {
    env.noteReachability(realm.id, err);
    throw err;
  }
  env.realmsTree.setUnreachable(realm.id, undefined);
  if (result.entries.length === 0) {
    void vscode.window.showInformationMessage(`No user in "${realm.name}" matches ${query.trim()}.`);
    return undefined;
  }
  const items = result.entries.map((entry) => ({
    label: entry.displayName || entry.username,
    description: `${entry.username} · ${statusWords[entry.status]}${entry.disabled ? ' · disabled in LDAP' : ''}`,
    detail: entry.conflict ?? ([entry.email, entry.department].filter(Boolean).join(' · ') || undefined),
    picked: entry.status === 'new' || entry.status === 'changed',
    entry,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Import users from "${realm.name}" (2/4): ${result.entries.length}${result.truncated ? ` (first ${limit}; narrow the query for more)` : ''} found`,
    placeHolder: 'Check the users to import or update',
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  if (!picked || picked.length === 0) {
    return undefined;
  }
  const entries = picked.map((p) => ({ uuid: p.entry.uuid || undefined, dn: p.entry.dn, username: p.entry.username }));
  const anyNew = picked.some((p) => p.entry.status === 'new');
  let roles = undefined;
  if (anyNew) {
    roles = await pickRoles(env.backend, `Import users from "${realm.name}" (3/4): roles for new users`, {
      names: env.config.importDefaultRoles,
      ids: realm.defaultRoles.map((r) => r.roleId).filter((id): id is number => id !== undefined),
    });
    if (roles === undefined) {
      return undefined;
    }
  }
  const preview = await env.operations.run('Preparing the import…', (operationId, token) =>
    env.backend.request(UserImport, { realmId: realm.id, entries, roles, dryRun: true, operationId }, token),
  );
  const go = 'Import';
  const previewChoice = await vscode.window.showInformationMessage(
    `Import users from "${realm.name}" (4/4): ${summarizeReport(preview, 'import', true)}.`,
    { modal: true, detail: 'Users already imported keep their roles. Nothing is written until you choose Import.' },
    go,
    'Show Preview',
  );
  if (previewChoice === 'Show Preview') {
    await env.reports.show(`Import preview ${realm.name}`, reportMarkdown(`Import preview: ${realm.name}`, preview, 'import'));
    return undefined;
  }
  if (previewChoice !== go) {
    return undefined;
  }
  const report = await env.operations.run(`Importing ${entries.length} users from "${realm.name}"…`, (operationId, token) =>
    env.backend.request(UserImport, { realmId: realm.id, entries, roles, operationId }, token),
  );
  await showReport(env, `Import from ${realm.name}`, report, 'import');
  return report;
}

const resyncRealm: CommandSpec = {
  need: 'contact',
  run: async (env, arg) => {
    const realm = await resolveRealm(env, arg, 'Directory to resynchronize', (r) => r.enabled);
    if (!realm) {
      return;
    }
    const threshold = env.config.syncMissingThreshold;
    const resync = (dryRun: boolean, confirmMissing: boolean) =>
      env.operations.run(`${dryRun ? 'Checking' : 'Resynchronizing'} "${realm.name}"…`, async (operationId, token) => {
        // The default share is the backend's built-in rule (max(50 users, 10 %)); others are exact.
        const params = { realmId: realm.id, operationId, dryRun, confirmMissing, ...(threshold === defaultMissingThreshold ? {} : { missingThreshold: threshold }) };
        return env.backend.request(RealmResync, params, token);
      });
    // A dry run first: the admin sees what would change before anything is written.
    let confirmMissing = false;
    let preview: SyncReport;
    try {
      preview = await resync(true, false);
    } catch (err) {
      env.noteReachability(realm.id, err);
      if (typeof err !== 'object' || err === null || (err as { code?: number }).code !== ErrorCodes.syncGuardTripped) {
        throw err;
      }
      const data = (err as { data?: { missing?: number; total?: number } }).data ?? {};
      const detail = `${err instanceof Error ? err.message : ''}\n\nUsers missing from LDAP are only marked missing (never deleted), so a later resynchronization undoes it.`;
      const go = 'Continue';
      if (!(await confirm(`${data.missing ?? 'Many'} of ${data.total ?? 'the'} users of "${realm.name}" would be marked missing from LDAP.`, detail, go))) {
        return;
      }
      confirmMissing = true;
      preview = await resync(true, true);
    }
    env.realmsTree.setUnreachable(realm.id, undefined);
    if (preview.created + preview.updated + preview.missing === 0 && preview.failed.length === 0) {
      void vscode.window.showInformationMessage(`"${realm.name}" is up to date: ${preview.unchanged} users unchanged.`);
      return preview;
    }
    const go = 'Resynchronize';
    const choice = await vscode.window.showInformationMessage(
      `Resynchronize "${realm.name}": ${summarizeReport(preview, 'resync', true)}.`,
      { modal: true, detail: 'Roles are never changed by a resynchronization. Nothing is written until you choose Resynchronize.' },
      go,
      'Show Preview',
    );
    if (choice === 'Show Preview') {
      await env.reports.show(`Resync preview ${realm.name}`, reportMarkdown(`Resync preview: ${realm.name}`, preview, 'resync'));
      return preview;
    }
    if (choice !== go) {
      return preview;
    }
    const report = await resync(false, confirmMissing);
    await showReport(env, `Resync of ${realm.name}`, report, 'resync');
    return report;
  },
};

export const realmCommands = {
  [CommandIds.addDirectory]: addDirectory,
  [CommandIds.addDirectoryStepByStep]: addDirectoryStepByStep,
  [CommandIds.editDirectory]: editDirectory,
  [CommandIds.removeDirectory]: removeDirectory,
  [CommandIds.testConnection]: testConnection,
  [CommandIds.setBindPassword]: setBindPassword,
  [CommandIds.importUsers]: importUsers,
  [CommandIds.importUsersStepByStep]: importUsersStepByStep,
  [CommandIds.resyncRealm]: resyncRealm,
};
