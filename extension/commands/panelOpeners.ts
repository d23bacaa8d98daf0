// Where the commands that have a webview form (Add/Edit Directory, Import Users, Resynchronize
// User, Show User) look for it. The webview module (extension/webviews/index.ts) registers a
// panel opener per kind; without one, the command runs its QuickPick/InputBox flow instead.
import type * as vscode from 'vscode';

export interface PanelOpenerArgs {
  addDirectory: Record<string, never>;
  editDirectory: { realmId: number };
  importUsers: { realmId?: number };
  resyncUser: { userId: number };
  showUser: { userId: number };
}
export type PanelKind = keyof PanelOpenerArgs;
export type PanelOpener<K extends PanelKind> = (args: PanelOpenerArgs[K]) => unknown;

export class PanelOpeners {
  private readonly openers = new Map<PanelKind, PanelOpener<never>>();

  /** Makes `kind`'s command open this panel; dispose to go back to the QuickPick flow. */
  register<K extends PanelKind>(kind: K, open: PanelOpener<K>): vscode.Disposable {
    this.openers.set(kind, open as PanelOpener<never>);
    return {
      dispose: () => {
        if (this.openers.get(kind) === (open as PanelOpener<never>)) {
          this.openers.delete(kind);
        }
      },
    };
  }

  get<K extends PanelKind>(kind: K): PanelOpener<K> | undefined {
    return this.openers.get(kind) as PanelOpener<K> | undefined;
  }
}
