// Starting and stopping the long-lived programs of the end-to-end suite (code-server and what it
// forks: the VS Code server, extension hosts, our backend) so that none can outlive the test:
// each runs in its own process group, its output goes to a log file (never to the test runner's
// pipes), a detached watchdog kills the group if this Node process dies without cleaning up,
// and stop() kills the group and every descendant that left it.

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { watchOwner } from '../../../scripts/directory/ownerWatchdog';

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  logPath: string;
  /** Resolves with the exit code (or signal name) when the group leader exits. */
  exited: Promise<number | string>;
  /** Kills the group and all descendants, waiting (bounded) until they are gone. Idempotent. */
  stop(): Promise<void>;
}

/** Spawns `command` in a new process group with stdout and stderr appended to `logPath`. */
export function spawnGroup(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logPath: string; /** removed by the watchdog if we die first */ cleanupDir?: string },
): GroupProcess {
  const fd = openSync(options.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`Could not start ${command}: ${options.logPath} may say why.`);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn error'));
  });

  const watchdog = watchGroup(pid, options.cleanupDir);

  const onExit = () => killTree(pid);
  process.once('exit', onExit);

  let stopping: Promise<void> | undefined;
  return {
    child,
    pid,
    logPath: options.logPath,
    exited,
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        killTree(pid, 'SIGTERM');
        const gone = await waitFor(() => !groupAlive(pid), 3000);
        if (!gone) killTree(pid, 'SIGKILL');
        await waitFor(() => !groupAlive(pid), 3000);
        watchdog.cancel();
      })();
      return stopping;
    },
  };
}

/**
 * Starts a detached watchdog that SIGKILLs process group `pgid` (and removes `cleanupDir`) within
 * ~0.5 s of this Node process disappearing (even by SIGKILL, when no exit handler runs). It ends
 * by itself when the group is gone; cancel() ends it at once.
 */
export function watchGroup(pgid: number, cleanupDir = ''): { cancel(): void } {
  return watchOwner(-pgid, cleanupDir);
}

/** Process ids of this process's children whose program (argv[0]) matches `program`. */
export function childrenRunning(program: RegExp): number[] {
  return descendantsOf(process.pid, 1).filter((pid) => {
    try {
      return program.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
    } catch {
      return false;
    }
  });
}

/** Kills a process group and every descendant of its leader, including ones in other groups. */
export function killTree(leaderPid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  const pids = [leaderPid, ...descendantsOf(leaderPid)];
  safeKill(-leaderPid, signal);
  for (const p of pids) safeKill(p, signal);
}

function descendantsOf(root: number, maxDepth = Infinity): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the ")" that closes the command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  let level = [root];
  for (let depth = 0; depth < maxDepth && level.length > 0; depth++) {
    level = level.flatMap((p) => children.get(p) ?? []);
    out.push(...level);
  }
  return out;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Polls `condition` every 50 ms until it is true or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
