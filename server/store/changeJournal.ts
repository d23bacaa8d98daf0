// An append-only journal of committed row changes beside a large registry (`<db>.journal`), so
// that a small write on a big database costs one short append + fsync instead of rewriting the
// whole sql.js image (a 100,000-user registry is ~90 MB; rewriting and fsyncing it takes seconds).
//
// Durability model: the state on disk is the database file (the *base*) plus every complete,
// checksummed record of a journal whose header names that exact base (length + CRC-32 of the whole
// file). Records are appended with a positional write at the end of the valid part and fsynced
// before the write is acknowledged. At open, records are replayed in order until the first one
// that is short or fails its checksum (a torn tail from a crash mid-append): that record and
// everything after it were never acknowledged and are ignored. Folding writes a full image
// atomically (temp file + rename, as every save did before) and then removes the journal; a crash
// in between leaves a journal whose header no longer matches the new base, which is therefore
// ignored — correctly, as the new base already holds every record of it.
//
// Records are logical: for each changed row its final column values (or its deletion), captured
// with SQLite's update hook. SQLite does not report every change through that hook (the truncate
// optimization of an unqualified DELETE, schema changes), so the store checks that the hook saw at
// least as many row changes as SQLite counted and the schema did not change; otherwise it saves
// the full image instead of appending.
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fstatSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Database, SqlValue, Statement } from 'sql.js';
import { syncDirectory } from './atomicFile';

const magic = 'LDUMJNL1';
/** magic (8) + header length (4) + header CRC (4). */
const headerPrefixBytes = 16;
/** record length (4) + record CRC (4). */
const recordPrefixBytes = 8;

export interface BaseFingerprint {
  length: number;
  crc: number;
}

export function fingerprintOf(image: Uint8Array): BaseFingerprint {
  return { length: image.length, crc: crc32(image) };
}

export function journalPathOf(databasePath: string): string {
  return `${databasePath}.journal`;
}

/** One table's changed rows: `values` in `columns` order, or null for a deleted row. */
export interface TableChanges {
  table: string;
  columns: string[];
  rows: [rowid: number, values: JournalValue[] | null][];
}

/** Column values as JSON: blobs as { b: base64 }. */
export type JournalValue = string | number | null | { b: string };

export interface JournalRecord {
  tables: TableChanges[];
  /**
   * AUTOINCREMENT counters (sqlite_sequence) after the write. SQLite changes them without telling
   * the update hook; replaying an insert with its rowid raises them, but a row inserted and deleted
   * in one write would otherwise leave the counter behind and let its id be used again.
   */
  sequences?: [table: string, seq: number][];
}

function encodeValue(value: SqlValue): JournalValue {
  if (value instanceof Uint8Array) return { b: Buffer.from(value).toString('base64') };
  return value;
}

function decodeValue(value: JournalValue): SqlValue {
  if (value !== null && typeof value === 'object') return new Uint8Array(Buffer.from(value.b, 'base64'));
  return value;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Collects the rows a transaction touches, through SQLite's update hook. */
export class ChangeCollector {
  private touched = new Map<string, Set<number>>();
  private count = 0;
  private overflowed = false;

  /** Stops collecting (the write will be saved in full) past this many row changes. */
  constructor(private readonly maxRows: number) {}

  reset(): void {
    this.touched.clear();
    this.count = 0;
    this.overflowed = false;
  }

  /** The update hook callback. */
  readonly onChange = (_operation: string, databaseName: string, table: string, rowid: number): void => {
    if (this.overflowed) return;
    this.count++;
    if (this.count > this.maxRows) {
      this.overflowed = true;
      this.touched.clear();
      return;
    }
    if (databaseName !== 'main') {
      this.overflowed = true; // a change outside the main database cannot be journaled
      return;
    }
    let rows = this.touched.get(table);
    if (!rows) this.touched.set(table, (rows = new Set()));
    rows.add(rowid);
  };

  /** Row changes the hook reported (each insert, update, delete — also cascaded ones). */
  get reported(): number {
    return this.count;
  }

  get tooLarge(): boolean {
    return this.overflowed;
  }

  /** The final state of every touched row, read from `db` (after the transaction committed). */
  record(db: Database): JournalRecord {
    const tables: TableChanges[] = [];
    for (const [table, rowids] of this.touched) {
      const statement: Statement = db.prepare(`SELECT * FROM ${quoteIdentifier(table)} WHERE rowid = ?`);
      try {
        const columns = statement.getColumnNames();
        const rows: TableChanges['rows'] = [];
        for (const rowid of rowids) {
          statement.bind([rowid]);
          rows.push([rowid, statement.step() ? statement.get().map(encodeValue) : null]);
          statement.reset();
        }
        tables.push({ table, columns, rows });
      } finally {
        statement.free();
      }
    }
    const record: JournalRecord = { tables };
    const hasSequences = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").length > 0;
    if (hasSequences) {
      const sequences = db.exec('SELECT name, seq FROM sqlite_sequence')[0]?.values ?? [];
      if (sequences.length > 0) record.sequences = sequences.map(([name, seq]) => [String(name), Number(seq)]);
    }
    return record;
  }
}

/**
 * Applies a record: first every touched row is deleted, then the surviving rows are inserted with
 * their rowids, so the transient order of the original transaction (renames swapping a unique
 * name, say) cannot make a constraint fail. Foreign keys are off while replaying: the record holds
 * the rows' final states, cascades included.
 */
export function applyRecord(db: Database, record: JournalRecord): void {
  for (const { table, rows } of record.tables) {
    const remove = db.prepare(`DELETE FROM ${quoteIdentifier(table)} WHERE rowid = ?`);
    try {
      for (const [rowid] of rows) remove.run([rowid]);
    } finally {
      remove.free();
    }
  }
  for (const { table, columns, rows } of record.tables) {
    const names = ['rowid', ...columns].map(quoteIdentifier).join(', ');
    const insert = db.prepare(`INSERT INTO ${quoteIdentifier(table)} (${names}) VALUES (${['?', ...columns.map(() => '?')].join(', ')})`);
    try {
      for (const [rowid, values] of rows) {
        if (values) insert.run([rowid, ...values.map(decodeValue)]);
      }
    } finally {
      insert.free();
    }
  }
  for (const [table, seq] of record.sequences ?? []) {
    db.run('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?', [seq, table]);
    if (db.getRowsModified() === 0) db.run('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', [table, seq]);
  }
}

/** Replays records onto a freshly loaded base, in one transaction. */
export function replayRecords(db: Database, records: readonly JournalRecord[]): void {
  if (records.length === 0) return;
  db.run('PRAGMA foreign_keys = OFF');
  db.run('BEGIN');
  try {
    for (const record of records) applyRecord(db, record);
    db.run('COMMIT');
  } catch (error) {
    db.run('ROLLBACK');
    throw error;
  } finally {
    db.run('PRAGMA foreign_keys = ON');
  }
}

function encodeRecord(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(recordPrefixBytes);
  prefix.writeUInt32LE(payload.length, 0);
  prefix.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([prefix, payload]);
}

function encodeHeader(base: BaseFingerprint): Buffer {
  const body = Buffer.from(JSON.stringify({ version: 1, baseLength: base.length, baseCrc: base.crc }), 'utf8');
  const prefix = Buffer.alloc(headerPrefixBytes);
  prefix.write(magic, 0, 'latin1');
  prefix.writeUInt32LE(body.length, 8);
  prefix.writeUInt32LE(crc32(body), 12);
  return Buffer.concat([prefix, body]);
}

export interface JournalContents {
  /** The journal names this base: its records apply to it. */
  matchesBase: boolean;
  records: JournalRecord[];
  /** Bytes of header + complete, valid records (where the next append goes). */
  validEnd: number;
  /** Total bytes in the file (more than validEnd when the tail is torn). */
  fileBytes: number;
}

/** Reads a journal file: undefined when there is none. Never throws for damaged content. */
export function readJournal(path: string, base: BaseFingerprint): JournalContents | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const none: JournalContents = { matchesBase: false, records: [], validEnd: 0, fileBytes: bytes.length };
  if (bytes.length < headerPrefixBytes || bytes.toString('latin1', 0, 8) !== magic) return none;
  const headerLength = bytes.readUInt32LE(8);
  const headerEnd = headerPrefixBytes + headerLength;
  if (headerEnd > bytes.length) return none;
  const headerBody = bytes.subarray(headerPrefixBytes, headerEnd);
  if (crc32(headerBody) !== bytes.readUInt32LE(12)) return none;
  let header: { baseLength?: number; baseCrc?: number };
  try {
    header = JSON.parse(headerBody.toString('utf8')) as typeof header;
  } catch {
    return none;
  }
  if (header.baseLength !== base.length || header.baseCrc !== base.crc) return none;
  const records: JournalRecord[] = [];
  let offset = headerEnd;
  while (offset + recordPrefixBytes <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const end = offset + recordPrefixBytes + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + recordPrefixBytes, end);
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) break;
    try {
      records.push(JSON.parse(payload.toString('utf8')) as JournalRecord);
    } catch {
      break;
    }
    offset = end;
  }
  return { matchesBase: true, records, validEnd: offset, fileBytes: bytes.length };
}

function writeFully(fd: number, bytes: Buffer, position: number): void {
  let written = 0;
  while (written < bytes.length) {
    written += writeSync(fd, bytes, written, bytes.length - written, position + written);
  }
}

/** The open journal of a writer (the lock holder). */
export class ChangeJournal {
  private constructor(
    readonly path: string,
    private fd: number,
    private end: number,
  ) {}

  /** Bytes of the journal (header + records). */
  get size(): number {
    return this.end;
  }

  /** Starts an empty journal for `base`, replacing any other (temp file + rename, both fsynced). */
  static create(databasePath: string, base: BaseFingerprint): ChangeJournal {
    const path = journalPathOf(databasePath);
    // Named like the store's own temp files, so that a leftover is removed at the next open.
    const temp = join(dirname(databasePath), `.${basename(databasePath)}.tmp-journal-${process.pid}`);
    const header = encodeHeader(base);
    const fd = openSync(temp, 'w', 0o644);
    try {
      writeFully(fd, header, 0);
      fsyncSync(fd);
      renameSync(temp, path);
    } catch (error) {
      closeSync(fd);
      try {
        unlinkSync(temp);
      } catch {
        // never created or already renamed
      }
      throw error;
    }
    syncDirectory(dirname(path));
    return new ChangeJournal(path, fd, header.length);
  }

  /** Continues a journal read with {@link readJournal}; a torn tail is cut off first. */
  static reopen(databasePath: string, contents: JournalContents): ChangeJournal {
    const path = journalPathOf(databasePath);
    const fd = openSync(path, 'r+');
    try {
      if (fstatSync(fd).size !== contents.validEnd) {
        ftruncateSync(fd, contents.validEnd);
        fsyncSync(fd);
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new ChangeJournal(path, fd, contents.validEnd);
  }

  /**
   * Appends a record durably (fsync) at the end of the valid part. On failure the file is cut
   * back to where it was, and a partial record that could not be cut is ignored at replay by its
   * checksum — and overwritten by the next append, which goes to the same position.
   */
  append(record: JournalRecord): number {
    const bytes = encodeRecord(Buffer.from(JSON.stringify(record), 'utf8'));
    try {
      writeFully(this.fd, bytes, this.end);
      fsyncSync(this.fd);
    } catch (error) {
      try {
        ftruncateSync(this.fd, this.end);
      } catch {
        // the checksum makes the partial record invisible
      }
      throw error;
    }
    this.end += bytes.length;
    return bytes.length;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** Closes and removes the journal (after a fold: the base holds everything). */
  remove(): void {
    this.close();
    removeJournal(this.path);
  }
}

export function removeJournal(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  syncDirectory(dirname(path));
}
