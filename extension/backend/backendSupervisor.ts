// Runs the backend for the extension: starts it on first use, answers its requests to the
// client (secret/get), restarts it after a crash with backoff, gives up after too many crashes,
// and shuts it down. Implements BackendClient (see backendClient.ts for the contract).
import {
  CancellationToken,
  Emitter,
  ErrorCodes as RpcErrorCodes,
  ResponseError,
  type Disposable,
  type MessageConnection,
  type NotificationType,
  type RequestType,
} from 'vscode-jsonrpc/node';
import type { ErrorData } from '../../protocol/errors';
import { Exit, Initialize, Shutdown, type InitializeParams, type InitializeResult } from '../../protocol/rpc';
import { BackendUnavailableError, type BackendClient, type BackendState } from './backendClient';
import { BackendProcess, type BackendExit, type BackendLaunchOptions } from './backendProcess';
import { CrashPolicy, defaultCrashPolicy, type CrashDecision, type CrashPolicyOptions } from './crashPolicy';

export interface BackendSupervisorOptions extends BackendLaunchOptions {
  /** Read at every start, so a changed database path takes effect on restart. */
  initializeParams: () => InitializeParams;
  crashPolicy?: CrashPolicyOptions;
  initializeTimeoutMs?: number;
  shutdownTimeoutMs?: number;
  now?: () => number;
}

export interface BackendCrash {
  exit: BackendExit;
  decision: CrashDecision;
}

type RequestHandler = (params: unknown, token: CancellationToken) => unknown;

interface Run {
  process: BackendProcess;
  connection: MessageConnection;
  /** Rejects (with a clear message) when the process goes away; pending requests race it. */
  lost: Promise<never>;
  rejectLost: (err: Error) => void;
  session?: InitializeResult;
}

export class BackendSupervisor implements BackendClient, Disposable {
  private run: Run | undefined;
  private starting: Promise<Run> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private currentState: BackendState = 'idle';
  private failure: string | undefined;
  private readonly policy: CrashPolicy;
  private readonly notificationHandlers = new Map<string, Set<(params: unknown) => void>>();
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly stateEmitter = new Emitter<BackendState>();
  private readonly crashEmitter = new Emitter<BackendCrash>();
  readonly onDidChangeState = this.stateEmitter.event;
  /** Every unexpected exit, with what happens next (restart after a delay, or give up). */
  readonly onDidCrash = this.crashEmitter.event;

  constructor(private readonly options: BackendSupervisorOptions) {
    this.policy = new CrashPolicy(options.crashPolicy ?? defaultCrashPolicy);
  }

  get state(): BackendState {
    return this.currentState;
  }

  get session(): InitializeResult | undefined {
    return this.run?.session;
  }

  /** Process id of the running backend (tests kill it). */
  get pid(): number | undefined {
    return this.run?.process.pid;
  }

  async request<P, R>(type: RequestType<P, R, ErrorData>, params: P, token?: CancellationToken): Promise<R> {
    const run = await this.ensureRunning();
    return Promise.race([run.connection.sendRequest(type, params, token ?? CancellationToken.None), run.lost]);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): Disposable {
    let handlers = this.notificationHandlers.get(type.method);
    if (!handlers) {
      handlers = new Set();
      this.notificationHandlers.set(type.method, handlers);
    }
    const h = handler as (params: unknown) => void;
    handlers.add(h);
    return { dispose: () => handlers.delete(h) };
  }

  /** Answers a backend → client request (one handler per method). */
  onRequest<P, R>(
    type: RequestType<P, R, unknown>,
    handler: (params: P, token: CancellationToken) => R | Promise<R>,
  ): Disposable {
    this.requestHandlers.set(type.method, handler as RequestHandler);
    return { dispose: () => this.requestHandlers.delete(type.method) };
  }

  /** Starts the backend now unless it runs already (used when a view first shows). */
  async start(): Promise<void> {
    await this.ensureRunning();
  }

  /** Stops the backend if it runs and starts a fresh one (the crash count starts afresh). */
  async restart(): Promise<void> {
    if (this.currentState === 'stopped') {
      throw new BackendUnavailableError('stopped', 'The LDAP Users backend has been shut down.');
    }
    this.policy.reset();
    this.failure = undefined;
    this.clearRestartTimer();
    await this.starting?.catch(() => undefined);
    await this.stopRun();
    this.setState('idle');
    await this.ensureRunning();
  }

  /** Shuts the backend down for good (extension deactivation). */
  async stop(): Promise<void> {
    this.setState('stopped');
    this.clearRestartTimer();
    await this.starting?.catch(() => undefined);
    await this.stopRun();
  }

  dispose(): void {
    void this.stop();
  }

  private async ensureRunning(): Promise<Run> {
    switch (this.currentState) {
      case 'stopped':
        throw new BackendUnavailableError('stopped', 'The LDAP Users backend has been shut down.');
      case 'failed':
        throw new BackendUnavailableError('failed', this.failure ?? 'The LDAP Users backend stopped.');
      default:
        break;
    }
    if (this.run?.session) {
      return this.run;
    }
    if (this.starting) {
      return this.starting;
    }
    // A command during the backoff after a crash starts the backend now rather than waiting.
    this.clearRestartTimer();
    this.starting = this.startRun().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startRun(): Promise<Run> {
    this.setState('starting');
    const process = new BackendProcess(this.options);
    let rejectLost: (err: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => {
      rejectLost = reject;
    });
    lost.catch(() => undefined);
    const run: Run = { process, connection: process.connection, lost, rejectLost };
    this.run = run;
    this.wire(run);
    void process.exited.then((exit) => this.onExit(run, exit));
    process.connection.listen();

    const timeoutMs = this.options.initializeTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendUnavailableError(
              'startFailed',
              `The LDAP Users backend did not answer 'initialize' within ${Math.round(timeoutMs / 1000)} s. See the log.`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      const session = await Promise.race([
        run.connection.sendRequest(Initialize, this.options.initializeParams()),
        run.lost,
        timeout,
      ]);
      if ((this.currentState as BackendState) === 'stopped') {
        throw new BackendUnavailableError('stopped', 'The LDAP Users backend has been shut down.');
      }
      run.session = session;
      this.setState('ready');
      return run;
    } catch (err) {
      if (this.run === run) {
        // initialize was refused (e.g. a damaged database): end this process, not as a crash.
        this.run = undefined;
        await process.kill();
        process.disposeConnection();
        if (this.currentState === 'starting') {
          this.setState('idle');
        }
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private wire(run: Run): void {
    const { connection } = run;
    connection.onNotification((method, params) => {
      for (const handler of this.notificationHandlers.get(method) ?? []) {
        try {
          handler(params);
        } catch {
          // A failing listener must not break the others.
        }
      }
    });
    connection.onRequest((method, params, token) => {
      const handler = this.requestHandlers.get(method);
      if (!handler) {
        return new ResponseError(RpcErrorCodes.MethodNotFound, `The client does not handle '${method}'.`);
      }
      return handler(params, token);
    });
  }

  private onExit(run: Run, exit: BackendExit): void {
    if (this.run === run) {
      this.run = undefined;
    }
    const expected = exit.expected || this.currentState === 'stopped';
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code ?? 'unknown'}`;
    run.rejectLost(
      new BackendUnavailableError(
        expected ? 'stopped' : 'crashed',
        expected
          ? 'The LDAP Users backend was stopped before it answered.'
          : `The LDAP Users backend ${how} before it answered; it is being restarted. Run the command again; details are in the "LDAP Users" log.`,
      ),
    );
    run.process.disposeConnection();
    if (expected) {
      return;
    }
    const decision = this.policy.recordCrash((this.options.now ?? Date.now)());
    if (decision.restart) {
      this.setState('restarting');
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.currentState === 'restarting') {
          this.ensureRunning().catch(() => undefined);
        }
      }, decision.delayMs);
      this.restartTimer.unref();
    } else {
      this.failure = `The LDAP Users backend crashed ${decision.crashes} times within ${Math.round(
        (this.options.crashPolicy ?? defaultCrashPolicy).windowMs / 60_000,
      )} minutes and was not restarted again. See the "LDAP Users" log, then run "LDAP Users: Restart Backend".`;
      this.setState('failed');
    }
    this.crashEmitter.fire({ exit, decision });
  }

  private async stopRun(): Promise<void> {
    const run = this.run;
    if (!run) {
      return;
    }
    this.run = undefined;
    run.process.markStopping();
    const graceMs = this.options.shutdownTimeoutMs ?? 2_000;
    if (run.process.isRunning && run.session) {
      try {
        await Promise.race([run.connection.sendRequest(Shutdown, {}), run.lost, delay(graceMs)]);
        await run.connection.sendNotification(Exit, {});
      } catch {
        // It is going away anyway.
      }
    }
    await Promise.race([run.process.exited, delay(graceMs / 2)]);
    await run.process.kill(500);
    run.process.disposeConnection();
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
  }

  private setState(state: BackendState): void {
    if (this.currentState !== state) {
      this.currentState = state;
      this.stateEmitter.fire(state);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
