/**
 * The extension host's one way to talk to the backend (`dist/server.js`), shared by the tree
 * views, the commands and the webview hosts.
 *
 * ```ts
 * const realms = await services.backend.request(RealmList, {});
 * const result = await services.backend.request(RealmSearch, { realmId, query: '*' }, token);
 * const sub = services.backend.onNotification(StoreDidChange, (change) => …);  // dispose it
 * ```
 *
 * - `request(Type, params, token?)`: typed by the `protocol/rpc.ts` constant. Starts the backend
 *   on first use (lazy), waits for `initialize`, then sends. Cancelling `token` (a VS Code
 *   `CancellationToken` fits) sends `$/cancelRequest`. Rejects with the backend's `ResponseError`
 *   (`code` from `protocol/errors.ts`, `data: ErrorData`) or with a {@link BackendUnavailableError}
 *   when the process stops, crashes (at once, not after a timeout) or cannot start.
 * - `onNotification(Type, handler)`: backend → client notifications (`store/didChange`,
 *   `operation/progress`, `log/message`); survives backend restarts.
 * - `state` / `onDidChangeState`: 'idle' (not started yet), 'starting', 'ready', 'restarting'
 *   (after a crash, waiting out the backoff), 'failed' (gave up: too many crashes, or it cannot
 *   start), 'stopped' (shut down).
 * - `session`: the `initialize` result of the running backend (`readOnly`, `readOnlyReason`).
 *
 * This module and the rest of `extension/backend/` never import `vscode`, so the crash
 * behaviour is tested against the real `dist/server.js` outside VS Code.
 */
import type { CancellationToken, Disposable, Event, NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from '../../protocol/errors';
import type { InitializeResult } from '../../protocol/rpc';

export type BackendState = 'idle' | 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface BackendClient {
  request<P, R>(type: RequestType<P, R, ErrorData>, params: P, token?: CancellationToken): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable;
  readonly state: BackendState;
  readonly onDidChangeState: Event<BackendState>;
  readonly session: InitializeResult | undefined;
}

/** Why a request could not be answered by a running backend. */
export type BackendUnavailableReason = 'crashed' | 'failed' | 'stopped' | 'startFailed';

export class BackendUnavailableError extends Error {
  constructor(
    readonly reason: BackendUnavailableReason,
    message: string,
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}
