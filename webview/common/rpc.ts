// Page side of the page ↔ host contract (protocol/webview.ts): JSON-RPC 2.0 shaped requests
// over postMessage with replies matched by id, and notifications from the host.
import type { PageErrorData, PageNotification, PageRequest } from '../../protocol/webview';
import { PAGE_JSONRPC } from '../../protocol/webview';

/** An error reply from the host: `code` is a backend (protocol/errors.ts) or page error code. */
export class PageRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: PageErrorData = {},
  ) {
    super(message);
    this.name = 'PageRequestError';
  }
}

export interface PageTransport {
  post(message: unknown): void;
  /** Subscribes to messages from the host; returns the unsubscribe function. */
  listen(onMessage: (message: unknown) => void): () => void;
}

/** The transport of a real page: `vscode.postMessage` out, `window` message events in. */
export function windowTransport(post: (message: unknown) => void): PageTransport {
  return {
    post,
    listen(onMessage) {
      const listener = (event: MessageEvent<unknown>) => onMessage(event.data);
      window.addEventListener('message', listener);
      return () => window.removeEventListener('message', listener);
    },
  };
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class PageRpc {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, (params: unknown) => void>();
  private readonly unlisten: () => void;

  constructor(private readonly transport: PageTransport) {
    this.unlisten = transport.listen((message) => this.receive(message));
  }

  request<P, R>(type: PageRequest<P, R>, params: P): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.transport.post({ jsonrpc: PAGE_JSONRPC, id, method: type.method, params });
    });
  }

  onNotification<P>(type: PageNotification<P>, handler: (params: P) => void): void {
    this.handlers.set(type.method, handler as (params: unknown) => void);
  }

  dispose(): void {
    this.unlisten();
    for (const pending of this.pending.values()) {
      pending.reject(new PageRequestError(0, 'The page was closed.'));
    }
    this.pending.clear();
  }

  private receive(message: unknown): void {
    if (typeof message !== 'object' || message === null) {
      return;
    }
    const m = message as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    if (m.jsonrpc !== PAGE_JSONRPC) {
      return;
    }
    if (typeof m.id === 'number' && m.method === undefined) {
      const pending = this.pending.get(m.id);
      if (!pending) {
        return;
      }
      this.pending.delete(m.id);
      if (m.error && typeof m.error === 'object') {
        const e = m.error as { code?: unknown; message?: unknown; data?: unknown };
        pending.reject(
          new PageRequestError(
            typeof e.code === 'number' ? e.code : 0,
            typeof e.message === 'string' ? e.message : 'The request failed.',
            (e.data && typeof e.data === 'object' ? e.data : {}) as PageErrorData,
          ),
        );
      } else {
        pending.resolve(m.result);
      }
      return;
    }
    if (typeof m.method === 'string') {
      this.handlers.get(m.method)?.(m.params);
    }
  }
}
