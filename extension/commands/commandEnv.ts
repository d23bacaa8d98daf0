// What command implementations get: the shared services plus the two trees.
import type { ExtensionServices } from '../services';
import type { RealmsTreeProvider } from '../tree/realmsTree';
import type { UsersTreeProvider } from '../tree/usersTree';

export interface CommandEnv extends ExtensionServices {
  realmsTree: RealmsTreeProvider;
  usersTree: UsersTreeProvider;
  /** Restarts the backend (Restart Backend, changed database path). */
  restartBackend(): Promise<void>;
  /** Reveals the log channel. */
  showLog(): void;
  /** Records whether a realm answered (drives its "unreachable" icon). */
  noteReachability(realmId: number, err: unknown): void;
}

/**
 * What a command needs before it may run: 'read' always runs; 'directory' contacts a directory
 * without writing (trusted workspace); 'write' changes the registry and 'contact' does both
 * (trusted workspace and a registry that is not read-only).
 */
export type CommandNeed = 'read' | 'directory' | 'write' | 'contact';

/** The handler's view of its arguments: (clicked node or args object, selected nodes). */
export type CommandHandler = (env: CommandEnv, arg?: unknown, selection?: unknown) => Promise<unknown>;

export interface CommandSpec {
  need: CommandNeed;
  run: CommandHandler;
}
