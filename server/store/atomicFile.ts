// Replaces a file so that a crash at any moment leaves either the old or the new bytes, never a
// torn file: write a temp file in the same folder → fsync → rename over the target → fsync the
// folder (reliability.md D1). Synchronous on purpose: the caller's in-memory database must not
// change while its image is being written, and nothing else can run in between.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let tempCounter = 0;

/** Temp files are `.<name>.tmp-<pid>-<n>` beside the target; see {@link removeLeftoverTempFiles}. */
function tempPrefix(target: string): string {
  return `.${basename(target)}.tmp-`;
}

export function writeFileAtomically(target: string, bytes: Uint8Array): void {
  const temp = join(dirname(target), `${tempPrefix(target)}${process.pid}-${++tempCounter}`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o644);
    let offset = 0;
    while (offset < bytes.length) {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw error;
  }
  syncDirectory(dirname(target));
}

/** fsyncs a folder so that a rename or a new file in it survives a crash (best effort). */
export function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: some platforms and file systems cannot fsync a directory.
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
    }
  }
}

/** Removes temp files a killed writer left beside `target`. Only the lock holder may call it. */
export function removeLeftoverTempFiles(target: string): string[] {
  const prefix = tempPrefix(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return removed;
  }
  // Lock files being created (writeLock.ts) are removed only when old: a racing backend may be
  // about to link its own.
  const lockPrefix = `${basename(target)}.lock.`;
  const isOldLockTemp = (name: string) => {
    try {
      return Date.now() - statSync(join(dirname(target), name)).mtimeMs > 60_000;
    } catch {
      return false;
    }
  };
  for (const name of names) {
    if (name.startsWith(prefix) || (name.startsWith(lockPrefix) && name.endsWith('.new') && isOldLockTemp(name))) {
      try {
        unlinkSync(join(dirname(target), name));
        removed.push(name);
      } catch {
        // vanished meanwhile
      }
    }
  }
  return removed;
}
