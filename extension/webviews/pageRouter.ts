// The host's gate for messages from a webview page. A page is web content, so every message is
// checked before anything acts on it: the JSON-RPC envelope, the method (only those the panel
// registered), the params against the method's schema (strict: types, lengths, no extra keys),
// then the handler checks that the ids it names exist before relaying to the backend. A refused
// message gets an error reply and never reaches the backend.
//
// This module does not import `vscode`: the unit tests drive it with raw (also malicious) messages.
import { CancellationTokenSource, ResponseError, type CancellationToken } from 'vscode-jsonrpc';
import type { ErrorData } from '../../protocol/errors';
import { SchemaError } from '../../protocol/messageSchema';
import {
  PAGE_JSONRPC,
  PageErrorCodes,
  WebviewCancel,
  type PageErrorData,
  type PageRequest,
} from '../../protocol/webview';

export interface PageReply {
  jsonrpc: typeof PAGE_JSONRPC;
  id: number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: PageErrorData };
}

/** What a handler gets besides its params. */
export interface CallContext {
  /** Cancelled when the page sends `webview/cancel` for this call's operationId, or the panel closes. */
  token: CancellationToken;
  /** The backend operation id for this call (unique across panels), when the page gave one. */
  operationId?: string;
}

/** A registered method: its schema and its implementation, with the types checked at `handler()`. */
export interface PageHandler {
  readonly method: string;
  parse(params: unknown): unknown;
  handle(params: unknown, ctx: CallContext): Promise<unknown>;
}

export function handler<P, R>(type: PageRequest<P, R>, handle: (params: P, ctx: CallContext) => Promise<R>): PageHandler {
  return {
    method: type.method,
    parse: (params) => type.params.parse(params, ''),
    handle: (params, ctx) => handle(params as P, ctx),
  };
}

/** A refusal written for the admin, sent back as the error reply (code from protocol/errors.ts or PageErrorCodes). */
export class PageError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: PageErrorData = {},
  ) {
    super(message);
    this.name = 'PageError';
  }
}

/** Total characters of strings a message may carry (an import of 10,000 entries fits). */
export const MESSAGE_MAX_CHARS = 4_000_000;
const MESSAGE_MAX_NODES = 200_000;
const MESSAGE_MAX_DEPTH = 16;
const METHOD_MAX = 64;

/** Why a message is too big or too deep to look at, or null. Walks it without recursion limits of its own. */
export function measureMessage(value: unknown): string | null {
  let chars = 0;
  let nodes = 0;
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (++nodes > MESSAGE_MAX_NODES) {
      return 'The message has too many values.';
    }
    if (depth > MESSAGE_MAX_DEPTH) {
      return 'The message is nested too deeply.';
    }
    if (typeof v === 'string') {
      chars += v.length;
      if (chars > MESSAGE_MAX_CHARS) {
        return `The message is too large (over ${MESSAGE_MAX_CHARS} characters).`;
      }
    } else if (Array.isArray(v)) {
      for (const item of v) {
        stack.push({ v: item, depth: depth + 1 });
      }
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) {
        chars += k.length;
        stack.push({ v: item, depth: depth + 1 });
      }
    }
  }
  return null;
}

export interface PageRouterOptions {
  /** Makes a page's operation id unique across panels (it is sent to the backend). */
  scopeOperationId?: (pageOperationId: string) => string;
  /** Called for every refused message, with the reason (the log shows what a page tried). */
  onRefused?: (method: string, reason: string) => void;
  /** Called when a handler fails with an unexpected error (not a PageError or backend error). */
  onInternalError?: (method: string, err: unknown) => void;
}

export class PageRouter {
  private readonly handlers = new Map<string, PageHandler>();
  private readonly operations = new Map<string, CancellationTokenSource>();
  private readonly calls = new Set<CancellationTokenSource>();
  private disposed = false;

  constructor(
    handlers: PageHandler[],
    private readonly options: PageRouterOptions = {},
  ) {
    for (const h of handlers) {
      this.handlers.set(h.method, h);
    }
    this.handlers.set(
      WebviewCancel.method,
      handler(WebviewCancel, async ({ operationId }) => {
        this.operations.get(this.scope(operationId))?.cancel();
        return null;
      }),
    );
  }

  /** Operation ids (backend-side) of the calls still running. */
  get runningOperations(): string[] {
    return [...this.operations.keys()];
  }

  /** Handles one message from the page; resolves to the reply to post (undefined: nothing to answer). */
  async receive(raw: unknown): Promise<PageReply | undefined> {
    if (this.disposed) {
      return undefined;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.refuse(null, '', PageErrorCodes.invalidRequest, 'A page message must be a JSON-RPC request object.');
    }
    const m = raw as Record<string, unknown>;
    const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) && m.id >= 0 ? m.id : null;
    const method = typeof m.method === 'string' && m.method.length <= METHOD_MAX ? m.method : '';
    if (m.jsonrpc !== PAGE_JSONRPC || id === null || method === '') {
      return this.refuse(id, method, PageErrorCodes.invalidRequest, 'A page message must be a JSON-RPC 2.0 request with a numeric id and a method.');
    }
    for (const key of Object.keys(m)) {
      if (key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params') {
        return this.refuse(id, method, PageErrorCodes.invalidRequest, `Unexpected member "${key.slice(0, 40)}" in the request.`);
      }
    }
    const h = this.handlers.get(method);
    if (!h) {
      return this.refuse(id, method, PageErrorCodes.methodNotFound, `This page cannot ask for "${method}".`);
    }
    const tooBig = measureMessage(m.params);
    if (tooBig) {
      return this.refuse(id, method, PageErrorCodes.invalidParams, tooBig);
    }
    let params: unknown;
    try {
      params = h.parse(m.params);
    } catch (err) {
      if (err instanceof SchemaError) {
        return this.refuse(id, method, PageErrorCodes.invalidParams, `Invalid ${err.message}`, { field: err.field });
      }
      throw err;
    }
    return this.call(id, method, h, params);
  }

  /** Cancels every running call (the panel was closed). */
  dispose(): void {
    this.disposed = true;
    for (const source of this.calls) {
      source.cancel();
    }
  }

  private scope(pageOperationId: string): string {
    return this.options.scopeOperationId ? this.options.scopeOperationId(pageOperationId) : pageOperationId;
  }

  private async call(id: number, method: string, h: PageHandler, params: unknown): Promise<PageReply> {
    const source = new CancellationTokenSource();
    this.calls.add(source);
    const pageOperationId =
      typeof params === 'object' && params !== null && typeof (params as { operationId?: unknown }).operationId === 'string'
        ? (params as { operationId: string }).operationId
        : undefined;
    const operationId = pageOperationId !== undefined && method !== WebviewCancel.method ? this.scope(pageOperationId) : undefined;
    if (operationId !== undefined) {
      if (this.operations.has(operationId)) {
        this.calls.delete(source);
        return this.refuse(id, method, PageErrorCodes.invalidParams, 'This operation id is already running.', { field: 'operationId' });
      }
      this.operations.set(operationId, source);
    }
    try {
      const result = await h.handle(params, { token: source.token, operationId });
      if (source.token.isCancellationRequested && method !== WebviewCancel.method) {
        return errorReply(id, PageErrorCodes.cancelled, 'Cancelled.');
      }
      return { jsonrpc: PAGE_JSONRPC, id, result: result ?? null };
    } catch (err) {
      if (err instanceof PageError) {
        return this.refuse(id, method, err.code, err.message, err.data);
      }
      if (source.token.isCancellationRequested) {
        return errorReply(id, PageErrorCodes.cancelled, 'Cancelled: nothing was written.');
      }
      if (err instanceof ResponseError) {
        const data = (err.data ?? {}) as ErrorData;
        const pageData: PageErrorData = {};
        if (typeof data.field === 'string') pageData.field = data.field;
        if (typeof data.realmId === 'number') pageData.realmId = data.realmId;
        if (typeof data.ldapCode === 'number') pageData.ldapCode = data.ldapCode;
        return errorReply(id, err.code, err.message, pageData);
      }
      this.options.onInternalError?.(method, err);
      const message = err instanceof Error && err.name === 'BackendUnavailableError' ? err.message : 'The request failed unexpectedly. See the "LDAP Users" log for details.';
      return errorReply(id, PageErrorCodes.internalError, message);
    } finally {
      this.calls.delete(source);
      if (operationId !== undefined) {
        this.operations.delete(operationId);
      }
      source.dispose();
    }
  }

  private refuse(id: number | null, method: string, code: number, message: string, data?: PageErrorData): PageReply {
    this.options.onRefused?.(method, message);
    return errorReply(id, code, message, data);
  }
}

function errorReply(id: number | null, code: number, message: string, data?: PageErrorData): PageReply {
  return { jsonrpc: PAGE_JSONRPC, id, error: data && Object.keys(data).length > 0 ? { code, message, data } : { code, message } };
}
