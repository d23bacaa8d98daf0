// Makes a daemon die with the Node process that started it, even when that process is
// SIGKILLed (no 'exit' handler runs then). A tiny detached `sh` loop polls both pids; when the
// owner is gone it SIGKILLs the daemon and removes its temp dir. When the daemon goes first the
// loop just ends. All stdio is ignored, so nothing can hold a test runner's pipes open.

import { spawn } from 'node:child_process';

const WATCHDOG_SCRIPT = `
owner=$1; daemon=$2; dir=$3
while kill -0 "$owner" 2>/dev/null; do
  kill -0 "$daemon" 2>/dev/null || exit 0
  sleep 0.2
done
kill -KILL "$daemon" 2>/dev/null
[ -n "$dir" ] && rm -rf -- "$dir"
exit 0
`;

export interface Watchdog {
  pid: number;
  /** Stops watching (call after the daemon was stopped on purpose). */
  cancel(): void;
}

/**
 * Starts a watchdog that SIGKILLs `daemonPid` (and removes `cleanupDir`, if given) within ~0.2 s
 * of `ownerPid` (default: this process) disappearing. A negative `daemonPid` is a process group,
 * as for kill(1).
 */
export function watchOwner(daemonPid: number, cleanupDir = '', ownerPid = process.pid): Watchdog {
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'ldapum-watchdog', String(ownerPid), String(daemonPid), cleanupDir], {
    stdio: 'ignore',
    detached: true,
  });
  child.on('error', () => {}); // sh missing would be reported by the daemon launch itself
  child.unref();
  const pid = child.pid ?? -1;
  return {
    pid,
    cancel() {
      if (pid > 0) {
        try {
          process.kill(-pid, 'SIGKILL'); // its own process group: the sh and its sleep
        } catch {
          // already gone
        }
      }
    },
  };
}
