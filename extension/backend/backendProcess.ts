// One run of the backend program: the forked process and the JSON-RPC connection to it.
// A BackendProcess never restarts itself; BackendSupervisor decides that.
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { backendNodeFlags } from '../../server/backendNodeFlags';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

export interface BackendLaunchOptions {
  /** Absolute path of dist/server.js. */
  serverModule: string;
  /** 'ipc' (the extension's choice) or 'stdio' (what scripts and most tests use). */
  transport?: 'ipc' | 'stdio';
  /** The Node binary; defaults to this process's (VS Code's Electron runs as Node below). */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Each line the backend writes to stderr (its log). */
  onStderrLine?: (line: string) => void;
}

export interface BackendExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when this side asked the process to stop. */
  expected: boolean;
}

export class BackendProcess {
  readonly connection: MessageConnection;
  /** Resolves once, when the process has exited (never rejects). */
  readonly exited: Promise<BackendExit>;
  private stopping = false;
  private readonly child: ChildProcess;

  constructor(options: BackendLaunchOptions) {
    const transport = options.transport ?? 'ipc';
    // Never 'inherit': a child holding the parent's stdout would keep a test runner alive.
    this.child = fork(options.serverModule, [transport === 'ipc' ? '--node-ipc' : '--stdio'], {
      execPath: options.execPath,
      execArgv: [...backendNodeFlags],
      env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: transport === 'ipc' ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe', 'ipc'],
    });
    const child = this.child;
    this.exited = new Promise<BackendExit>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (!done) {
          done = true;
          resolve({ code, signal, expected: this.stopping });
        }
      };
      child.once('exit', finish);
      // A spawn failure (e.g. a missing Node binary) emits 'error' and maybe never 'exit'.
      child.once('error', (err) => {
        options.onStderrLine?.(`Cannot start the backend: ${err.message}`);
        finish(null, null);
      });
    });
    if (child.stderr) {
      const lines = createInterface({ input: child.stderr });
      lines.on('line', (line) => options.onStderrLine?.(line));
    }
    if (transport === 'ipc') {
      // The contract says stdout stays empty; anything there is worth seeing in the log.
      if (child.stdout) {
        createInterface({ input: child.stdout }).on('line', (line) => options.onStderrLine?.(line));
      }
      this.connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    } else {
      if (!child.stdout || !child.stdin) {
        throw new Error('The backend process has no stdio pipes.');
      }
      this.connection = createMessageConnection(
        new StreamMessageReader(child.stdout),
        new StreamMessageWriter(child.stdin),
      );
    }
    // Writing to a dead process must not throw into the extension host.
    this.connection.onError(() => undefined);
    child.stdin?.on('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Marks the coming exit as asked for (so it is not counted as a crash). */
  markStopping(): void {
    this.stopping = true;
  }

  /** Ends the process: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async kill(graceMs = 1_000): Promise<BackendExit> {
    this.stopping = true;
    if (this.isRunning) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (this.isRunning) {
          this.child.kill('SIGKILL');
        }
      }, graceMs);
      timer.unref();
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  /** Disposes the connection: requests still pending are rejected by vscode-jsonrpc. */
  disposeConnection(): void {
    try {
      this.connection.dispose();
    } catch {
      // Already disposed.
    }
  }
}
