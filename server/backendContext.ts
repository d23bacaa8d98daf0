// What every handler module gets: the connection, the store (once `initialize` opened it), and
// helpers to register requests with validated params and admin-readable errors, report progress,
// announce committed changes and log.
import {
  CancellationToken,
  ErrorCodes as RpcErrorCodes,
  ResponseError,
  type MessageConnection,
  type NotificationType,
  type RequestType,
} from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../protocol/errors';
import {
  LogMessage,
  OperationProgressNotification,
  SecretGet,
  StoreDidChange,
  type LogLevel,
  type SecretGetParams,
} from '../protocol/rpc';
import { RequestValues } from './requestValues';
import type { Store } from './store/store';

/** A module of request handlers; see server/handlers/index.ts. */
export type HandlerModule = (ctx: BackendContext) => void;

export interface StoreChange {
  realmIds?: number[];
  userIds?: number[];
}

export interface HandlerOptions {
  /** Lifecycle requests only: run before `initialize` opened the store. */
  withoutStore?: boolean;
}

export type RequestHandler<R> = (params: RequestValues, token: CancellationToken) => R | Promise<R>;

/** Thrown by {@link BackendContext.throwIfCancelled}; answered with RequestCancelled (-32800). */
export class OperationCancelled extends Error {
  constructor() {
    super('The operation was cancelled. Nothing was written.');
  }
}

const progressIntervalMs = 100;
/** JSON-RPC's (LSP's) code for a request the client cancelled; vscode-jsonrpc does not export it. */
const requestCancelled = -32800;

export class BackendContext {
  private currentStore: Store | undefined;
  private shutdownRequested = false;
  private readonly lastProgress = new Map<string, number>();
  /** Who the audit trail names for writes (the `clientName` of `initialize`). */
  clientName = 'unknown client';

  constructor(readonly connection: MessageConnection) {}

  /** The open store, or undefined before `initialize` / after `shutdown`. */
  get store(): Store | undefined {
    return this.currentStore;
  }

  get isShuttingDown(): boolean {
    return this.shutdownRequested;
  }

  /** The open store; refuses (-32002) before `initialize` and after `shutdown`. */
  requireStore(): Store {
    if (this.shutdownRequested) {
      throw new ResponseError(RpcErrorCodes.ServerNotInitialized, 'The backend is shutting down; no more requests are accepted.');
    }
    if (!this.currentStore) {
      throw new ResponseError(
        RpcErrorCodes.ServerNotInitialized,
        'The backend is not initialized yet: send `initialize` with the database path first.',
      );
    }
    return this.currentStore;
  }

  /** The open store if this backend may write it; otherwise 1202 with the reason (e.g. the lock holder). */
  requireWritable(): Store {
    const store = this.requireStore();
    store.requireWritable();
    return store;
  }

  /**
   * Runs `fn` in one transaction, saves the file, then sends `store/didChange` with `change`
   * (a value, or a function of fn's result). Resolves only when the change is on disk.
   */
  async write<T>(fn: (store: Store) => T, change?: StoreChange | ((result: T) => StoreChange | undefined)): Promise<T> {
    const store = this.requireWritable();
    const result = await store.write(() => fn(store));
    const announced = typeof change === 'function' ? change(result) : change;
    if (announced) {
      this.notifyChange(announced);
    }
    return result;
  }

  /** Used by the lifecycle handlers. */
  attachStore(store: Store, clientName: string): void {
    this.currentStore = store;
    this.clientName = clientName;
  }

  /** Releases the write lock and closes the database (idempotent; safe in exit handlers). */
  closeStore(): void {
    const store = this.currentStore;
    this.currentStore = undefined;
    store?.close();
  }

  beginShutdown(): void {
    this.shutdownRequested = true;
  }

  /**
   * Registers a request handler. Params arrive as {@link RequestValues} (object params only),
   * requests before `initialize` are refused, and errors are mapped: ResponseErrors pass through,
   * a cancelled operation answers -32800, a constraint violation 1301, anything else an internal
   * error whose message (never a stack) names the request; the stack goes to the log.
   */
  handle<P, R>(type: RequestType<P, R, ErrorData>, handler: RequestHandler<R>, options: HandlerOptions = {}): void {
    this.connection.onRequest(type, async (params: P, token: CancellationToken) => {
      try {
        if (!options.withoutStore) {
          this.requireStore();
        }
        return await handler(RequestValues.of(params), token);
      } catch (error) {
        throw this.toResponseError(type.method, error, token);
      }
    });
  }

  private toResponseError(method: string, error: unknown, token: CancellationToken): ResponseError<ErrorData | undefined> {
    if (error instanceof ResponseError) {
      return error;
    }
    if (error instanceof OperationCancelled || (token.isCancellationRequested && isAbort(error))) {
      return new ResponseError(requestCancelled, new OperationCancelled().message);
    }
    const message = error instanceof Error ? error.message : String(error);
    const constraint = /^(UNIQUE|FOREIGN KEY|CHECK|NOT NULL) constraint failed: (.*)$/.exec(message);
    if (constraint) {
      this.log('warn', `${method}: ${message}`);
      return new ResponseError<ErrorData>(
        ErrorCodes.conflict,
        constraint[1] === 'UNIQUE'
          ? `${method} was refused: another entry already uses this value (${constraint[2]}). Nothing was changed; choose another value.`
          : `${method} was refused by the database (${message}). Nothing was changed.`,
      );
    }
    this.log('error', `${method} failed: ${error instanceof Error && error.stack ? error.stack : message}`);
    return new ResponseError(
      RpcErrorCodes.InternalError,
      `${method} failed: ${message}. Nothing more is known; the LDAP User Manager log has the details.`,
    );
  }

  /** Registers a notification handler (params validated the same way). */
  onNotification<P>(type: NotificationType<P>, handler: (params: RequestValues) => void): void {
    this.connection.onNotification(type, (params: P) => {
      try {
        handler(RequestValues.of(params));
      } catch (error) {
        this.log('warn', `${type.method} ignored: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }

  /** Throws {@link OperationCancelled} once the client cancelled the request. Call between steps. */
  throwIfCancelled(token: CancellationToken): void {
    if (token.isCancellationRequested) {
      throw new OperationCancelled();
    }
  }

  /** `operation/progress`, at most ~10 per second per operation (the last one always goes out). */
  progress(operationId: string | undefined, done: number, total: number | undefined, message: string): void {
    if (operationId === undefined) {
      return;
    }
    const now = Date.now();
    const last = this.lastProgress.get(operationId);
    const final = total !== undefined && done >= total;
    if (last !== undefined && now - last < progressIntervalMs && !final) {
      return;
    }
    this.lastProgress.set(operationId, now);
    if (final) {
      this.lastProgress.delete(operationId);
    }
    void this.connection
      .sendNotification(OperationProgressNotification, total === undefined ? { operationId, done, message } : { operationId, done, total, message })
      .catch(() => undefined);
  }

  /** `store/didChange` after a committed write. */
  notifyChange(change: StoreChange): void {
    void this.connection.sendNotification(StoreDidChange, change).catch(() => undefined);
  }

  /** Asks the client for a realm's bind password (`secret/get`); undefined when it has none. */
  async requestSecret(params: SecretGetParams, token?: CancellationToken): Promise<string | undefined> {
    const answer = await this.connection.sendRequest(SecretGet, params, token);
    return answer && typeof answer.password === 'string' ? answer.password : undefined;
  }

  /** To stderr and as `log/message`. Never pass a password. */
  log(level: LogLevel, message: string): void {
    process.stderr.write(`[${new Date().toISOString()}] [${level}] ${message}\n`);
    void this.connection.sendNotification(LogMessage, { level, message }).catch(() => undefined);
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /cancel/i.test(error.message));
}

export { CancellationToken };
