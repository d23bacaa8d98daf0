// Checks an existing database file before anything loads it, so that a 0-byte, truncated, foreign
// or half-written file is refused instead of being opened as an empty database and then saved
// over (sql.js opens a 0-byte buffer as a valid empty database: reliability.md D1).
import { existsSync, statSync } from 'node:fs';
import { databaseCorrupt } from './storeErrors';

const sqliteMagic = Buffer.from('SQLite format 3\0', 'latin1');
const headerSize = 100;

/** Refuses bytes that cannot be a complete SQLite database; returns nothing when they can. */
export function checkDatabaseBytes(path: string, bytes: Uint8Array): void {
  if (bytes.length === 0) {
    throw databaseCorrupt(
      `The database file ${path} is empty (0 bytes). It was left untouched. Restore it from a backup or ` +
        `version control, or move it away to start a new registry.`,
    );
  }
  if (bytes.length < headerSize || !Buffer.from(bytes.subarray(0, sqliteMagic.length)).equals(sqliteMagic)) {
    throw databaseCorrupt(
      `The file ${path} is not an SQLite database (its header is wrong). It was left untouched. Check the ` +
        `"ldapUserManager.databasePath" setting, or move the file away to start a new registry.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const validPageSize = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
  const pageCount = view.getUint32(28);
  const changeCounter = view.getUint32(24);
  const versionValidFor = view.getUint32(92);
  const truncated =
    !validPageSize ||
    bytes.length % pageSize !== 0 ||
    (pageCount > 0 && versionValidFor === changeCounter && bytes.length < pageCount * pageSize);
  if (truncated) {
    throw databaseCorrupt(
      `The database file ${path} is truncated or damaged (${bytes.length} bytes). It was left untouched. ` +
        `Restore it from a backup or version control.`,
    );
  }
}

/**
 * SQLite sidecar files left by a native SQLite tool: committed data may live in a `-wal` file that
 * sql.js never reads, so such a file must not be loaded and saved over (reliability.md D6).
 */
export function findSidecars(path: string): string[] {
  return [`${path}-wal`, `${path}-journal`, `${path}-shm`].filter((sidecar) => {
    try {
      return existsSync(sidecar) && statSync(sidecar).size > 0;
    } catch {
      return true;
    }
  });
}
