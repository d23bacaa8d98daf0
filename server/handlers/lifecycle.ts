// initialize / shutdown / exit (PROTOCOL.md "Lifecycle").
import { ErrorCodes as RpcErrorCodes, ResponseError } from 'vscode-jsonrpc';
import { userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import { version as serverVersion } from '../../package.json';
import { Exit, Initialize, Shutdown, type InitializeResult } from '../../protocol/rpc';
import type { BackendContext } from '../backendContext';
import { invalidInput } from '../requestValues';
import { Store } from '../store/store';

function defaultClientName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown client';
  }
}

export function registerLifecycleHandlers(ctx: BackendContext): void {
  let opening = false;

  ctx.handle(
    Initialize,
    async (params): Promise<InitializeResult> => {
      if (ctx.store || opening) {
        throw new ResponseError(RpcErrorCodes.InvalidRequest, 'The backend is already initialized; `initialize` is sent once.');
      }
      if (ctx.isShuttingDown) {
        throw new ResponseError(RpcErrorCodes.InvalidRequest, 'The backend is shutting down.');
      }
      const databasePath = params.string('databasePath', { nonEmpty: true, maxLength: 4096 });
      if (!isAbsolute(databasePath) || databasePath.includes('\0')) {
        throw invalidInput('databasePath', `databasePath must be an absolute file path (got "${databasePath}").`);
      }
      const clientName = params.optionalString('clientName', { maxLength: 200 }) ?? defaultClientName();
      opening = true;
      try {
        const store = await Store.open(databasePath, { clientName, log: (level, message) => ctx.log(level, message) });
        ctx.attachStore(store, clientName);
        if (store.readOnly) {
          ctx.log('warn', `Opened ${store.path} read-only: ${store.readOnlyReason}`);
        } else {
          ctx.log('info', `Opened ${store.path} (schema ${store.schemaVersion}) for ${clientName}`);
        }
        const result: InitializeResult = { serverVersion, schemaVersion: store.schemaVersion, readOnly: store.readOnly };
        if (store.readOnlyReason !== undefined) {
          result.readOnlyReason = store.readOnlyReason;
        }
        return result;
      } finally {
        opening = false;
      }
    },
    { withoutStore: true },
  );

  ctx.handle(
    Shutdown,
    async () => {
      ctx.beginShutdown();
      await ctx.store?.flush();
      ctx.closeStore();
      ctx.log('info', 'Shut down: the database is saved and its lock released.');
      return null;
    },
    { withoutStore: true },
  );

  ctx.onNotification(Exit, () => {
    ctx.closeStore();
    process.exit(ctx.isShuttingDown ? 0 : 1);
  });
}
