// One writer per database file. The writer holds `<db>.lock`, created with O_EXCL and holding its
// pid, process start time and host. A second backend on the same file finds the lock held and
// opens read-only; a lock whose process is gone (kill -9, crash) is stale and is taken over.
// Taking over goes through a `<db>.lock.takeover` directory (mkdir is atomic) so that two
// backends finding the same stale lock cannot both remove it and both believe they write.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockOwner {
  pid: number;
  /** Process start time from /proc (Linux) so that a reused pid is not mistaken for the holder. */
  processStart?: string;
  host: string;
  clientName?: string;
  since: string;
}

export type LockAttempt = { acquired: true; lock: WriteLock } | { acquired: false; holder: LockOwner | undefined; reason: string };

const takeoverGuardStaleMs = 10_000;

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may contain spaces, so count from its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return parsed as LockOwner;
    }
  } catch {
    // unreadable or half-written: judged by its age below
  }
  return undefined;
}

function ownerIsAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) {
    return true; // cannot check a process on another machine: respect its lock
  }
  if (!processAlive(owner.pid)) {
    return false;
  }
  const start = processStartTime(owner.pid);
  return owner.processStart === undefined || start === undefined || start === owner.processStart;
}

function describe(owner: LockOwner | undefined, lockPath: string): string {
  if (!owner) {
    return `Another LDAP User Manager backend is writing this database (lock file ${lockPath}).`;
  }
  const who = owner.clientName ? ` (${owner.clientName})` : '';
  const where = owner.host === hostname() ? '' : ` on host ${owner.host}`;
  return (
    `Another LDAP User Manager backend, process ${owner.pid}${where}${who}, has been writing this database ` +
    `since ${owner.since}. This window opened it read-only; close the other window to edit here.`
  );
}

export class WriteLock {
  private released = false;

  private constructor(
    readonly lockPath: string,
    private readonly owner: LockOwner,
  ) {}

  /** Tries once to become the writer of `databasePath`; never waits. */
  static acquire(databasePath: string, clientName?: string): LockAttempt {
    const lockPath = `${databasePath}.lock`;
    const owner: LockOwner = {
      pid: process.pid,
      processStart: processStartTime(process.pid),
      host: hostname(),
      clientName,
      since: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (WriteLock.createExclusive(lockPath, owner)) {
        return { acquired: true, lock: new WriteLock(lockPath, owner) };
      }
      const holder = readOwner(lockPath);
      if (holder ? ownerIsAlive(holder) : !WriteLock.unreadableLockIsOld(lockPath)) {
        return { acquired: false, holder, reason: describe(holder, lockPath) };
      }
      if (!WriteLock.removeStale(lockPath, holder)) {
        const current = readOwner(lockPath);
        return { acquired: false, holder: current, reason: describe(current, lockPath) };
      }
    }
    const holder = readOwner(lockPath);
    return { acquired: false, holder, reason: describe(holder, lockPath) };
  }

  /**
   * Creates the lock file complete or not at all: the owner is written to a private temp file
   * that is then hard-linked to the lock path (link fails if the path exists), so that nobody
   * ever reads a half-written lock. File systems without hard links fall back to O_EXCL.
   */
  private static createExclusive(lockPath: string, owner: LockOwner): boolean {
    const temp = `${lockPath}.${process.pid}-${Date.now()}.new`;
    WriteLock.writeFileExclusive(temp, owner);
    try {
      linkSync(temp, lockPath);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        return false;
      }
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        return WriteLock.writeFileExclusive(lockPath, owner);
      }
      throw error;
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
    }
  }

  private static writeFileExclusive(path: string, owner: LockOwner): boolean {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return false;
      }
      throw error;
    }
    try {
      writeSync(fd, JSON.stringify(owner));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private static unreadableLockIsOld(lockPath: string): boolean {
    try {
      return Date.now() - statSync(lockPath).mtimeMs > takeoverGuardStaleMs;
    } catch {
      return true;
    }
  }

  /** Removes a stale lock, unless another backend is already taking it over. */
  private static removeStale(lockPath: string, staleOwner: LockOwner | undefined): boolean {
    const guard = `${lockPath}.takeover`;
    try {
      mkdirSync(guard);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      try {
        if (Date.now() - statSync(guard).mtimeMs > takeoverGuardStaleMs) {
          rmdirSync(guard); // left by a backend killed while taking over
        }
      } catch {
        // someone else removed it
      }
      return false;
    }
    try {
      // Re-read under the guard: the lock may have been replaced by a live backend meanwhile.
      const current = readOwner(lockPath);
      const same =
        current === staleOwner ||
        (current !== undefined &&
          staleOwner !== undefined &&
          current.pid === staleOwner.pid &&
          current.since === staleOwner.since &&
          current.host === staleOwner.host);
      if (!same) {
        return false;
      }
      try {
        unlinkSync(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw error;
        }
      }
      return true;
    } finally {
      try {
        rmdirSync(guard);
      } catch {
        // already gone
      }
    }
  }

  /** Whether the lock file on disk is still ours (nobody removed or replaced it). */
  isHeld(): boolean {
    if (this.released) {
      return false;
    }
    const current = readOwner(this.lockPath);
    return current !== undefined && current.pid === this.owner.pid && current.since === this.owner.since;
  }

  /** Synchronous so that it can run in process 'exit' handlers. */
  release(): void {
    if (this.released) {
      return;
    }
    this.released = true;
    if (readOwner(this.lockPath)?.pid === this.owner.pid) {
      try {
        unlinkSync(this.lockPath);
      } catch {
        // already gone
      }
    }
  }
}
