// Entry point of the webview panels: main.ts calls registerWebviews(services) once at activation
// and disposes what it returns. It registers a panel opener for each command that has a form
// (Add/Edit Directory, Import Users, Resynchronize User, Show User); there is one panel per kind
// and subject — opening the same one again reveals it.
import * as vscode from 'vscode';
import { CommandIds } from '../commands/commandIds';
import type { ExtensionServices } from '../services';
import { importPageHandlers } from './importPageHandlers';
import type { PageHostDeps } from './pageHostDeps';
import { PagePanel, type PagePanelSpec } from './pagePanel';
import { realmEditorHandlers } from './realmEditorHandlers';
import { resyncPageHandlers } from './resyncPageHandlers';
import { userPageHandlers } from './userPageHandlers';

export function registerWebviews(services: ExtensionServices): vscode.Disposable[] {
  const panels = new Map<string, PagePanel>();

  const open = (key: string, spec: PagePanelSpec): PagePanel => {
    const existing = panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = new PagePanel(services, spec);
    panels.set(key, panel);
    panel.onDidDispose(() => {
      for (const [k, p] of panels) {
        if (p === panel) {
          panels.delete(k);
        }
      }
    });
    return panel;
  };

  const deps: PageHostDeps = {
    backend: services.backend,
    secrets: {
      hasPassword: (realm) => services.bindPasswords.isRemembered({ realmId: realm.id, url: realm.url, bindDn: realm.bindDn }),
      storePassword: (realm, password) =>
        services.bindPasswords.save({ realmId: realm.id, url: realm.url, bindDn: realm.bindDn }, password, true),
    },
    dialogs: {
      pickCaFile: async () => {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          canSelectFolders: false,
          openLabel: 'Use CA Certificate',
          title: 'CA certificate of the directory (PEM)',
          filters: { 'Certificates (PEM)': ['pem', 'crt', 'cer'], 'All files': ['*'] },
        });
        return picked?.[0]?.fsPath ?? null;
      },
      confirm: async (message, action) => (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action,
    },
    commands: {
      openResync: async (userId) => {
        openResync(userId);
      },
      convertToExternal: async (userId) => {
        await vscode.commands.executeCommand(CommandIds.convertToExternal, { userId });
      },
    },
    settings: {
      searchLimit: () => services.config.searchLimit,
      defaultRoleNames: () => services.config.importDefaultRoles,
    },
    readOnly: () => services.isReadOnly(),
    canContactDirectories: () => services.canContactDirectories(),
  };

  const openImport = (realmId: number | null) =>
    open(`import:${realmId ?? 'all'}`, {
      page: 'import',
      title: 'Import LDAP Users',
      handlers: (known) => importPageHandlers(deps, known, realmId),
    });
  const openResync = (userId: number) =>
    open(`resync:${userId}`, {
      page: 'resync',
      title: 'Resynchronize User',
      handlers: (known) => resyncPageHandlers(deps, known, userId),
    });
  const openRealm = (realmId: number | null) => {
    const key = `realm:${realmId ?? 'new'}`;
    return open(key, {
      page: 'realm',
      title: realmId === null ? 'Add LDAP Directory' : 'Edit LDAP Directory',
      handlers: (known) =>
        realmEditorHandlers(deps, known, {
          realmId,
          onCreated: (id) => {
            // From now on the panel edits that realm: Edit Directory on it reveals this panel.
            const panel = panels.get(key);
            if (panel) {
              panels.delete(key);
              panels.set(`realm:${id}`, panel);
              panel.panel.title = 'Edit LDAP Directory';
            }
          },
        }),
    });
  };
  const openUser = (userId: number) =>
    open(`user:${userId}`, {
      page: 'user',
      title: 'User Details',
      handlers: (known) => userPageHandlers(deps, known, userId),
    });

  return [
    services.openers.register('importUsers', ({ realmId }) => openImport(realmId ?? null)),
    services.openers.register('resyncUser', ({ userId }) => openResync(userId)),
    services.openers.register('addDirectory', () => openRealm(null)),
    services.openers.register('editDirectory', ({ realmId }) => openRealm(realmId)),
    services.openers.register('showUser', ({ userId }) => openUser(userId)),
    {
      dispose: () => {
        for (const panel of [...panels.values()]) {
          panel.dispose();
        }
        panels.clear();
      },
    },
  ];
}
