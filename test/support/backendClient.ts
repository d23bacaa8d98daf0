// The one JSON-RPC client the integration and reliability tests use to drive the real backend:
// spawns `node dist/server.js --stdio` (building it first when the sources are newer), sends
// typed requests with a deadline, records notifications, answers `secret/get`, and stops every
// backend it started when the test file ends (or kills it when the test process exits).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
  type MessageConnection,
  type NotificationType,
  type RequestType,
} from 'vscode-jsonrpc/node';
import type { ErrorData } from '../../protocol/errors';
import { Exit, Initialize, SecretGet, Shutdown, type InitializeResult, type SecretGetParams } from '../../protocol/rpc';

export const repositoryRoot = resolve(__dirname, '..', '..');
export const serverBundle = join(repositoryRoot, 'dist', 'server.js');

export type SecretSource =
  | Map<number, string>
  | ((params: SecretGetParams) => string | null | undefined | Promise<string | null | undefined>);

export interface StartBackendOptions {
  /** Default: `registry.sqlite` in a fresh temp folder (removed when the test file ends). */
  databasePath?: string;
  /** Send `initialize` right away (default true). */
  initialize?: boolean;
  clientName?: string;
  /** Passwords for `secret/get`: realm id → password, or a function. */
  secrets?: SecretSource;
  env?: NodeJS.ProcessEnv;
  /** Deadline of every request unless given per call (default 30 s). */
  requestTimeoutMs?: number;
}

export interface BackendExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BackendHandle {
  readonly pid: number;
  readonly databasePath: string;
  /** The answer to `initialize`, when the backend was started with `initialize: true`. */
  readonly initializeResult: InitializeResult | undefined;
  readonly connection: MessageConnection;
  readonly exited: Promise<BackendExit>;
  readonly hasExited: boolean;
  request<P, R>(type: RequestType<P, R, ErrorData>, params: P, options?: { token?: CancellationToken; timeoutMs?: number }): Promise<R>;
  /** For bad-input tests: any method name and params shape. */
  requestRaw(method: string, params: unknown, timeoutMs?: number): Promise<unknown>;
  /** Every notification of this type received so far. */
  notifications<P>(type: NotificationType<P>): P[];
  /** Resolves with the first (past or future) notification matching `predicate`. */
  waitForNotification<P>(type: NotificationType<P>, predicate?: (params: P) => boolean, timeoutMs?: number): Promise<P>;
  /** Replaces the `secret/get` answers. */
  onSecretGet(secrets: SecretSource): void;
  /** Every `secret/get` the backend sent. */
  readonly secretRequests: SecretGetParams[];
  /** What the backend wrote to stderr so far. */
  stderr(): string;
  /** Closes the backend's stdin, as a client that went away would. */
  closeInput(): void;
  /** Sends a signal (default SIGKILL) and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<BackendExit>;
  /** shutdown + exit, waiting up to `timeoutMs`; kills the process when it does not end. */
  stop(timeoutMs?: number): Promise<BackendExit>;
}

const live = new Set<{ child: ChildProcess; stop: () => Promise<unknown> }>();
const tempDirs: string[] = [];

after(async () => {
  await stopAllBackends();
  for (const dir of tempDirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      console.error(`could not remove ${dir}: ${(error as Error).message}`);
    }
  }
});
process.on('exit', () => {
  for (const { child } of live) {
    child.kill('SIGKILL');
  }
});

export async function stopAllBackends(): Promise<void> {
  await Promise.all([...live].map((backend) => backend.stop().catch(() => undefined)));
}

/** A fresh temp folder, removed when the test file ends. */
export function makeTempDir(prefix = 'ldapum-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function newestSourceTime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestSourceTime(path));
    } else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function bundleIsCurrent(): boolean {
  if (!existsSync(serverBundle)) {
    return false;
  }
  const sources = Math.max(
    newestSourceTime(join(repositoryRoot, 'server')),
    newestSourceTime(join(repositoryRoot, 'protocol')),
    statSync(join(repositoryRoot, 'package.json')).mtimeMs,
  );
  return statSync(serverBundle).mtimeMs >= sources;
}

let built = false;
/** Runs `node esbuild.mjs` once when dist/server.js is missing or older than the sources. */
export function ensureServerBuilt(): void {
  if (built || bundleIsCurrent()) {
    built = true;
    return;
  }
  // Test files run in parallel: one build at a time.
  const lock = join(tmpdir(), `ldapum-build-${Buffer.from(repositoryRoot).toString('hex').slice(-24)}.lock`);
  try {
    execFileSync('flock', ['-w', '120', lock, process.execPath, 'esbuild.mjs'], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 150_000,
    });
  } catch (error) {
    if (!bundleIsCurrent()) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`Building dist/server.js failed: ${stderr || (error as Error).message}`);
    }
  }
  built = true;
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export async function startBackend(options: StartBackendOptions = {}): Promise<BackendHandle> {
  ensureServerBuilt();
  const databasePath = options.databasePath ?? join(makeTempDir(), 'registry.sqlite');
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const child = spawn(process.execPath, [serverBundle, '--stdio'], {
    cwd: repositoryRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderrText = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrText += chunk;
    if (stderrText.length > 2_000_000) {
      stderrText = stderrText.slice(-1_000_000);
    }
  });
  child.stdin!.on('error', () => undefined); // EPIPE after the backend died

  let hasExited = false;
  const exited = new Promise<BackendExit>((done) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      done({ code, signal });
    });
  });

  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!), {
    error: () => undefined,
    warn: () => undefined,
    info: () => undefined,
    log: () => undefined,
  });
  // Pending requests are only rejected on dispose (reliability.md R2).
  void exited.then(() => connection.dispose());

  const received = new Map<string, unknown[]>();
  const waiters = new Set<{ method: string; test: (params: unknown) => boolean; resolve: (params: unknown) => void }>();
  connection.onNotification((method: string, params: unknown) => {
    let list = received.get(method);
    if (!list) {
      list = [];
      received.set(method, list);
    }
    list.push(params);
    for (const waiter of [...waiters]) {
      if (waiter.method === method && waiter.test(params)) {
        waiters.delete(waiter);
        waiter.resolve(params);
      }
    }
  });

  let secrets: SecretSource = options.secrets ?? new Map();
  const secretRequests: SecretGetParams[] = [];
  connection.onRequest(SecretGet, async (params) => {
    secretRequests.push(params);
    const password = secrets instanceof Map ? secrets.get(params.realmId) : await secrets(params);
    return password == null ? null : { password };
  });
  connection.listen();

  const handle: BackendHandle = {
    pid: child.pid!,
    databasePath,
    initializeResult: undefined,
    connection,
    exited,
    get hasExited() {
      return hasExited;
    },
    request(type, params, requestOptions = {}) {
      return withDeadline(
        connection.sendRequest(type, params, requestOptions.token),
        requestOptions.timeoutMs ?? requestTimeoutMs,
        type.method,
      );
    },
    requestRaw(method, params, timeoutMs = requestTimeoutMs) {
      return withDeadline(connection.sendRequest(method, params), timeoutMs, method);
    },
    notifications<P>(type: NotificationType<P>) {
      return [...((received.get(type.method) as P[] | undefined) ?? [])];
    },
    waitForNotification<P>(type: NotificationType<P>, predicate: (params: P) => boolean = () => true, timeoutMs = 10_000) {
      const seen = (received.get(type.method) as P[] | undefined)?.find(predicate);
      if (seen !== undefined) {
        return Promise.resolve(seen);
      }
      return new Promise<P>((resolvePromise, reject) => {
        const waiter = {
          method: type.method,
          test: predicate as (params: unknown) => boolean,
          resolve: (params: unknown) => {
            clearTimeout(timer);
            resolvePromise(params as P);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${type.method} notification matching within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    onSecretGet(source) {
      secrets = source;
    },
    secretRequests,
    stderr: () => stderrText,
    closeInput() {
      child.stdin!.end();
    },
    async kill(signal = 'SIGKILL') {
      if (!hasExited) {
        child.kill(signal);
      }
      return withDeadline(exited, 10_000, `backend ${child.pid} after ${signal}`);
    },
    async stop(timeoutMs = 5000) {
      if (!hasExited) {
        try {
          await withDeadline(connection.sendRequest(Shutdown, {}), timeoutMs, 'shutdown');
          await connection.sendNotification(Exit, {});
        } catch {
          // dead or stuck: killed below
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
  const entry = { child, stop: () => handle.stop() };
  live.add(entry);
  void exited.then(() => live.delete(entry));

  if (options.initialize !== false) {
    try {
      const result = await handle.request(Initialize, { databasePath, clientName: options.clientName ?? 'test' });
      (handle as { initializeResult: InitializeResult | undefined }).initializeResult = result;
    } catch (error) {
      await handle.kill();
      throw error;
    }
  }
  return handle;
}
