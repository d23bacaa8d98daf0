// Drives the real backend exactly as the extension does: `node dist/server.js --stdio`, JSON-RPC
// with the typed protocol constants, `secret/get` answered with the bind password. A driver of
// our own (not test/support/backendClient.ts) because that one registers node:test hooks, which a
// plain script must not. Every backend started here is killed when the bench process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection, type RequestType } from 'vscode-jsonrpc/node';
import type { ErrorData } from '../../protocol/errors';
import { backendNodeFlags } from '../../server/backendNodeFlags';
import { Exit, Initialize, SecretGet, Shutdown } from '../../protocol/rpc';

export interface BenchBackend {
  readonly pid: number;
  readonly databasePath: string;
  request<P, R>(type: RequestType<P, R, ErrorData>, params: P, timeoutMs?: number): Promise<R>;
  /** Peak resident set size so far (VmHWM of /proc/<pid>/status), in bytes. */
  peakRssBytes(): number;
  /** Starts a new peak-RSS window (clear_refs 5); returns the peak of the window that ends. */
  resetPeakRss(): number;
  stderr(): string;
  stop(): Promise<void>;
}

export interface StartBenchBackendOptions {
  serverBundle: string;
  databasePath: string;
  password: string;
  /** Write a V8 CPU profile of the backend into this folder when it exits. */
  cpuProfileDir?: string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function readPeakRss(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function startBenchBackend(options: StartBenchBackendOptions): Promise<BenchBackend> {
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const child = spawn(process.execPath, [...backendNodeFlags, ...nodeArgs, options.serverBundle, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  live.add(child);
  let stderrText = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrText = (stderrText + chunk).slice(-200_000);
  });
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => live.delete(child));

  const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  void exited.then(() => connection.dispose());
  connection.onRequest(SecretGet, () => ({ password: options.password }));
  connection.listen();

  let lastPeak = 0;
  const backend: BenchBackend = {
    pid: child.pid!,
    databasePath: options.databasePath,
    request: (type, params, timeoutMs = 900_000) => withDeadline(connection.sendRequest(type, params), timeoutMs, type.method),
    peakRssBytes() {
      lastPeak = Math.max(lastPeak, readPeakRss(child.pid!));
      return lastPeak;
    },
    resetPeakRss() {
      const peak = backend.peakRssBytes();
      try {
        writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
        lastPeak = 0;
      } catch {
        // not Linux, or not allowed: the peak keeps growing over the whole process
      }
      return peak;
    },
    stderr: () => stderrText,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      backend.peakRssBytes();
      try {
        await withDeadline(connection.sendRequest(Shutdown, {}), 10_000, 'shutdown');
        await connection.sendNotification(Exit, {});
      } catch {
        // stuck or gone: killed below
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await backend.request(Initialize, { databasePath: options.databasePath, clientName: 'bench' }, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`The backend did not initialize: ${(error as Error).message}\n${stderrText}`);
  }
  return backend;
}
