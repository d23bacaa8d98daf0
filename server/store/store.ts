// The registry database: a sql.js (in-memory SQLite) image of one file, written back atomically
// after every committed write. One backend writes a file (WriteLock); others open it read-only.
//
// Writes are synchronous from BEGIN to the rename of the saved file, so no request can observe or
// interleave with a half-applied write, and a write's response is only sent once the file on disk
// holds it. If saving fails, the in-memory database is put back to the last saved image so that
// what the admin sees never runs ahead of the disk.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import type { BindParams, Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { removeLeftoverTempFiles, writeFileAtomically } from './atomicFile';
import {
  ChangeCollector,
  ChangeJournal,
  fingerprintOf,
  journalPathOf,
  readJournal,
  removeJournal,
  replayRecords,
  type BaseFingerprint,
  type JournalContents,
} from './changeJournal';
import { checkDatabaseBytes, findSidecars } from './databaseFile';
import { applicationId, migrate, readApplicationId, readUserVersion, schemaVersion } from './migrations';
import { loadSqlEngine } from './sqlEngine';
import { databaseCorrupt, databaseReadOnly, databaseWriteFailed } from './storeErrors';
import { WriteLock } from './writeLock';
import { AuditRepository } from './auditRepository';
import { RealmRepository } from './realmRepository';
import { RoleRepository } from './roleRepository';
import { UserRepository } from './userRepository';

export interface StoreOpenOptions {
  /** Who writes (audit actor, lock owner description). */
  clientName?: string;
  /** How long a read-only backend waits for the writer to create a new file. */
  waitForCreationMs?: number;
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
  /**
   * From this database size on, small writes are appended to `<db>.journal` instead of rewriting
   * the whole file (default 8 MiB, or the LDAPUM_JOURNAL_MIN_BYTES environment variable). Below
   * it a full atomic save is cheap and keeps the file self-contained.
   */
  journalMinBytes?: number;
}

const defaultJournalMinBytes = 8 * 1024 * 1024;
/** A write touching more rows than this is saved in full (its journal record would be no cheaper). */
const journalMaxRowsPerWrite = 50_000;

function journalMinBytesFrom(options: StoreOpenOptions): number {
  if (options.journalMinBytes !== undefined) return options.journalMinBytes;
  const fromEnv = Number(process.env.LDAPUM_JOURNAL_MIN_BYTES);
  return process.env.LDAPUM_JOURNAL_MIN_BYTES && Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : defaultJournalMinBytes;
}

/** Replays the journal of `image` onto `db`; the journal as read (undefined when there is none). */
function replayJournal(db: Database, path: string, image: Uint8Array): JournalContents | undefined {
  if (!existsSync(journalPathOf(path))) return undefined;
  const contents = readJournal(journalPathOf(path), fingerprintOf(image));
  if (contents?.matchesBase && contents.records.length > 0) {
    try {
      replayRecords(db, contents.records);
    } catch (error) {
      throw databaseCorrupt(
        `The change journal ${journalPathOf(path)} of ${path} cannot be applied (${(error as Error).message}). Both files ` +
          `were left untouched. Restore the database from a backup, or move the journal away to open the database as of its last full save.`,
      );
    }
  }
  return contents;
}

export type Row = Record<string, SqlValue>;

interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

function identityOf(path: string): FileIdentity | undefined {
  try {
    const stat = statSync(path);
    return { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
  } catch {
    return undefined;
  }
}

function sameIdentity(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a?.size === b?.size && a?.mtimeMs === b?.mtimeMs && a?.ino === b?.ino;
}

function describeSaveError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const folder = dirname(path);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `The database ${path} could not be saved: the disk is full. Nothing was changed; free some space and try again.`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `The database ${path} could not be saved: the folder ${folder} is not writable (${code}). Nothing was changed; fix the folder's permissions and try again.`;
    case 'EFBIG':
      return `The database ${path} could not be saved: it is larger than the file size limit of this process or file system (EFBIG). Nothing was changed; raise the limit (ulimit -f) or move the database (setting ldapUsers.databasePath) and try again.`;
    case 'EBUSY':
      return `The database ${path} could not be saved: another program holds the file (EBUSY). Nothing was changed; close that program and try again.`;
    default:
      return `The database ${path} could not be saved (${code ?? (error as Error).message}). Nothing was changed; try again.`;
  }
}

/** Opens a database image and refuses damaged or foreign ones (the file is not touched). */
function loadImage(SQL: SqlJsStatic, path: string, bytes: Uint8Array): Database {
  checkDatabaseBytes(path, bytes);
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    const check = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
    if (check !== 'ok') {
      throw new Error(String(check));
    }
  } catch (error) {
    db?.close();
    throw databaseCorrupt(
      `The database file ${path} is damaged (${(error as Error).message}). It was left untouched. ` +
        `Restore it from a backup or version control.`,
    );
  }
  const appId = readApplicationId(db);
  if (appId !== applicationId) {
    db.close();
    throw databaseCorrupt(
      `The file ${path} is an SQLite database of another program, not an LDAP User Manager registry. It was ` +
        `left untouched. Point "ldapUserManager.databasePath" at another file.`,
    );
  }
  return db;
}

export class Store {
  private statements = new Map<string, Statement>();
  private savedImage: Uint8Array | undefined;
  private savedIdentity: FileIdentity | undefined;
  private closed = false;
  private lastInsertId: Statement | undefined;
  /** Journal mode (large databases): the base on disk, the open journal, the row-change collector. */
  private journalMinBytes = defaultJournalMinBytes;
  private baseFingerprint: BaseFingerprint | undefined;
  private journal: ChangeJournal | undefined;
  private collector: ChangeCollector | undefined;
  private log: NonNullable<StoreOpenOptions['log']> = () => undefined;

  readonly realms: RealmRepository;
  readonly users: UserRepository;
  readonly roles: RoleRepository;
  readonly audit: AuditRepository;

  private constructor(
    private readonly SQL: SqlJsStatic,
    private database: Database,
    /** Absolute path of the database file. */
    readonly path: string,
    readonly readOnlyReason: string | undefined,
    private readonly lock: WriteLock | undefined,
    /** The schema version of the file as opened (may be newer than this build's). */
    readonly schemaVersion: number,
    readonly clientName: string,
  ) {
    this.database.run('PRAGMA foreign_keys = ON');
    this.realms = new RealmRepository(this);
    this.roles = new RoleRepository(this);
    this.users = new UserRepository(this, this.roles);
    this.audit = new AuditRepository(this);
  }

  get readOnly(): boolean {
    return this.readOnlyReason !== undefined;
  }

  /** The schema version this build writes. */
  static readonly currentSchemaVersion = schemaVersion;

  static async open(path: string, options: StoreOpenOptions = {}): Promise<Store> {
    const SQL = await loadSqlEngine();
    const absolute = resolve(path);
    const clientName = options.clientName ?? 'unknown client';
    const log = options.log ?? (() => undefined);

    let existed = existsSync(absolute);
    if (existed && statSync(absolute).isDirectory()) {
      throw databaseCorrupt(`${absolute} is a folder, not a database file. Choose a file path.`);
    }
    let loadedImage: Uint8Array | undefined = existed ? readFileSync(absolute) : undefined;
    let db = loadedImage ? loadImage(SQL, absolute, loadedImage) : undefined;
    let version = db ? readUserVersion(db) : schemaVersion;

    let reason: string | undefined;
    const sidecars = existed ? findSidecars(absolute) : [];
    if (sidecars.length > 0) {
      reason =
        `Another SQLite program has this database open or did not close it cleanly (${sidecars.join(', ')}). ` +
        `It opened read-only so that nothing is overwritten; close that program and reopen.`;
    } else if (version > schemaVersion) {
      reason =
        `This database was written by a newer version of LDAP User Manager (schema ${version}; this version ` +
        `knows ${schemaVersion}). It opened read-only; update the extension to edit it.`;
    }

    let lock: WriteLock | undefined;
    if (reason === undefined) {
      try {
        if (!existed) {
          mkdirSync(dirname(absolute), { recursive: true });
        }
        const attempt = WriteLock.acquire(absolute, clientName);
        if (attempt.acquired) {
          lock = attempt.lock;
        } else {
          reason = attempt.reason;
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        if (!existed) {
          throw databaseWriteFailed(
            `The database ${absolute} cannot be created: the folder ${dirname(absolute)} is not writable (${code}). ` +
              `Choose another path or fix the folder's permissions.`,
          );
        }
        reason = `The folder ${dirname(absolute)} is not writable (${code}), so this database opened read-only.`;
      }
    }

    try {
      if (lock) {
        // Read again under the lock: the previous writer may have saved just before releasing it.
        db?.close();
        existed = existsSync(absolute);
        loadedImage = existed ? readFileSync(absolute) : undefined;
        db = loadedImage ? loadImage(SQL, absolute, loadedImage) : undefined;
        version = db ? readUserVersion(db) : schemaVersion;
        const removed = removeLeftoverTempFiles(absolute);
        if (removed.length > 0) {
          log('info', `Removed ${removed.length} temp file(s) left by an interrupted save: ${removed.join(', ')}`);
        }
      } else if (!existed) {
        db = await Store.waitForFile(SQL, absolute, options.waitForCreationMs ?? 3000);
        existed = db !== undefined;
        version = db ? readUserVersion(db) : schemaVersion;
      }
    } catch (error) {
      lock?.release();
      throw error;
    }

    // Writes acknowledged since the last full save live in the journal beside the file.
    let journal: JournalContents | undefined;
    try {
      journal = db && loadedImage ? replayJournal(db, absolute, loadedImage) : undefined;
    } catch (error) {
      db?.close();
      lock?.release();
      throw error;
    }
    if (journal?.matchesBase) {
      log('info', `Applied ${journal.records.length} journaled write(s) from ${journalPathOf(absolute)}`);
    }

    const created = !db;
    if (!db) {
      db = new SQL.Database();
    }
    if (version < schemaVersion || created) {
      migrate(db);
    }
    const store = new Store(SQL, db, absolute, reason, lock, readUserVersion(db), clientName);
    store.journalMinBytes = journalMinBytesFrom(options);
    store.log = log;
    if (lock) {
      try {
        if (created || version < schemaVersion) {
          store.save();
          log('info', created ? `Created the database ${absolute}` : `Upgraded ${absolute} to schema ${schemaVersion}`);
        } else {
          store.savedIdentity = identityOf(absolute);
          store.startPersistence(loadedImage ?? db.export(), journal);
        }
      } catch (error) {
        store.close();
        throw error instanceof ResponseError ? error : databaseWriteFailed(describeSaveError(absolute, error));
      }
    }
    return store;
  }

  private static async waitForFile(SQL: SqlJsStatic, path: string, timeoutMs: number): Promise<Database | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (existsSync(path)) {
        return loadImage(SQL, path, readFileSync(path));
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    return undefined;
  }

  /** The sql.js database, for reads. Writes go through {@link write}. */
  get db(): Database {
    if (this.closed) {
      throw databaseReadOnly('The database is closed: the backend is shutting down.');
    }
    return this.database;
  }

  /** A prepared statement, kept for reuse (statements are freed on close and on rollback). */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Every row of a query, as column → value objects. */
  all<T = Row>(sql: string, params: BindParams = null): T[] {
    const statement = this.prepare(sql);
    try {
      statement.bind(params);
      const rows: T[] = [];
      let names: string[] | undefined;
      while (statement.step()) {
        // getAsObject() looks the column names up again for every row; do it once.
        names ??= statement.getColumnNames();
        const values = statement.get();
        const row: Row = {};
        for (let i = 0; i < names.length; i++) {
          row[names[i]] = values[i];
        }
        rows.push(row as T);
      }
      return rows;
    } finally {
      statement.reset();
    }
  }

  /** The first row of a query, or undefined. */
  get<T = Row>(sql: string, params: BindParams = null): T | undefined {
    const statement = this.prepare(sql);
    try {
      statement.bind(params);
      return statement.step() ? (statement.getAsObject() as T) : undefined;
    } finally {
      statement.reset();
    }
  }

  /** Runs a statement (inside {@link write}); returns the rows it changed and the last rowid. */
  run(sql: string, params: BindParams = null): { changes: number; lastInsertRowid: number } {
    const statement = this.prepare(sql);
    try {
      statement.run(params);
    } finally {
      statement.reset();
    }
    const changes = this.database.getRowsModified();
    this.lastInsertId ??= this.database.prepare('SELECT last_insert_rowid()');
    try {
      this.lastInsertId.step();
      return { changes, lastInsertRowid: Number(this.lastInsertId.get()[0]) };
    } finally {
      this.lastInsertId.reset();
    }
  }

  /** Refuses with 1202 when this backend may not write the file. */
  requireWritable(): void {
    if (this.closed) {
      throw databaseReadOnly('The database is closed: the backend is shutting down.');
    }
    if (this.readOnlyReason !== undefined) {
      throw databaseReadOnly(this.readOnlyReason);
    }
    if (!this.lock?.isHeld()) {
      throw databaseReadOnly(
        `This backend no longer holds the write lock of ${this.path} (the lock file was removed or taken by ` +
          `another process). Nothing was changed; restart the backend to edit.`,
      );
    }
  }

  /**
   * Runs `fn` in a transaction and saves the file before resolving. `fn` must be synchronous: fetch
   * everything first (LDAP, secrets), then write once. If `fn` throws, nothing is changed; if saving
   * fails, the database goes back to the last saved state and a 1203 error says what to do.
   */
  async write<T>(fn: () => T): Promise<T> {
    this.requireWritable();
    const onDisk = identityOf(this.path);
    if (!sameIdentity(onDisk, this.savedIdentity)) {
      throw databaseWriteFailed(
        `The database ${this.path} was changed on disk by another program since it was loaded. Nothing was ` +
          `changed; reload the window to see the current file.`,
      );
    }
    const changesBefore = this.totalChanges();
    const collector = this.collector;
    collector?.reset();
    const schemaBefore = collector ? this.schemaCookie() : 0;
    this.database.run('BEGIN IMMEDIATE');
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise) {
        throw new Error('Store.write() needs a synchronous function: do the async work before writing.');
      }
      this.database.run('COMMIT');
    } catch (error) {
      try {
        this.database.run('ROLLBACK');
      } catch {
        // SQLite already rolled back (e.g. after a constraint failure in COMMIT)
      }
      throw error;
    }
    const changes = this.totalChanges() - changesBefore;
    if (changes === 0) {
      return result;
    }
    // The hook must have seen every row SQLite counted (cascades make it see more), and the schema
    // must be unchanged; otherwise the record would miss something and the full image is saved.
    if (collector && !collector.tooLarge && collector.reported >= changes && this.schemaCookie() === schemaBefore) {
      try {
        this.journal ??= ChangeJournal.create(this.path, this.baseFingerprint!);
        this.journal.append(collector.record(this.database));
      } catch (error) {
        this.restoreFromDisk();
        throw databaseWriteFailed(describeSaveError(this.path, error));
      }
      if (this.journal.size > Math.max(16 * 1024 * 1024, (this.baseFingerprint?.length ?? 0) / 4)) {
        this.foldJournal();
      }
      return result;
    }
    try {
      this.save();
    } catch (error) {
      this.restorePersistedState();
      throw databaseWriteFailed(describeSaveError(this.path, error));
    }
    return result;
  }

  private schemaCookie(): number {
    return Number(this.database.exec('PRAGMA schema_version')[0].values[0][0]);
  }

  /**
   * Chooses full saves or the journal for this database (by size) and takes over the journal
   * found at open: a matching one is continued (its torn tail cut), a stale one removed.
   */
  private startPersistence(image: Uint8Array, found: JournalContents | undefined): void {
    if (found && !found.matchesBase) {
      removeJournal(journalPathOf(this.path));
      this.log('info', `Removed ${journalPathOf(this.path)}: it belongs to an earlier state of the database, which already holds it.`);
    }
    this.useImage(image);
    if (found?.matchesBase && this.baseFingerprint) {
      this.journal = ChangeJournal.reopen(this.path, found);
    } else if (found?.matchesBase) {
      // The database shrank below the journal size limit: fold the journal into a full save.
      this.save();
    }
  }

  /** After a full save or load: the base is this image; large bases get the journal. */
  private useImage(image: Uint8Array): void {
    if (this.lock && image.length >= this.journalMinBytes) {
      this.baseFingerprint = fingerprintOf(image);
      this.savedImage = undefined; // restore reads the disk instead of keeping a second copy
      if (!this.collector) {
        this.collector = new ChangeCollector(journalMaxRowsPerWrite);
        this.database.updateHook(this.collector.onChange);
      }
    } else {
      this.baseFingerprint = undefined;
      this.savedImage = image;
      if (this.collector) {
        this.database.updateHook(null);
        this.collector = undefined;
      }
    }
  }

  /** Writes the full image and drops the journal; a failure leaves the journal, which is still valid. */
  private foldJournal(): void {
    try {
      this.save();
    } catch (error) {
      this.log('warn', `Folding the journal into ${this.path} failed (${(error as Error).message}); the journal keeps every write.`);
    }
  }

  private totalChanges(): number {
    return Number(this.database.exec('SELECT total_changes()')[0].values[0][0]);
  }

  private save(): void {
    const image = this.database.export();
    writeFileAtomically(this.path, image);
    this.savedIdentity = identityOf(this.path);
    // A crash here leaves a journal naming the previous base: ignored and removed at the next open.
    const hadJournal = this.journal !== undefined || existsSync(journalPathOf(this.path));
    this.journal?.close();
    this.journal = undefined;
    if (hadJournal) {
      try {
        removeJournal(journalPathOf(this.path));
      } catch (error) {
        this.log('warn', `Could not remove ${journalPathOf(this.path)} (${(error as Error).message}); it is ignored at the next open.`);
      }
    }
    this.useImage(image);
  }

  /** Puts memory back to what the disk holds after a failed save or append. */
  private restorePersistedState(): void {
    if (this.savedImage) {
      this.replaceDatabase(new this.SQL.Database(this.savedImage));
    } else {
      this.restoreFromDisk();
    }
  }

  /** Journal mode keeps no image in memory: reload the base and replay the journal. */
  private restoreFromDisk(): void {
    const image = readFileSync(this.path);
    const db = new this.SQL.Database(image);
    replayJournal(db, this.path, image);
    this.replaceDatabase(db);
  }

  private replaceDatabase(db: Database): void {
    this.freeStatements();
    this.database.close();
    this.database = db;
    this.database.run('PRAGMA foreign_keys = ON');
    if (this.collector) {
      this.database.updateHook(this.collector.onChange);
    }
  }

  private freeStatements(): void {
    for (const statement of this.statements.values()) {
      statement.free();
    }
    this.statements.clear();
    this.lastInsertId?.free();
    this.lastInsertId = undefined;
  }

  /** Every write is already on disk when write() resolves; kept for callers that flush before exit. */
  async flush(): Promise<void> {
    // nothing buffered
  }

  /** Releases the write lock and frees the database. Synchronous so that exit handlers can call it. */
  close(): void {
    if (this.closed) {
      return;
    }
    // Leave a self-contained file behind when possible (best effort: the journal is durable anyway).
    if (this.journal && this.lock?.isHeld()) {
      this.foldJournal();
    }
    this.journal?.close();
    this.closed = true;
    this.lock?.release();
    try {
      this.freeStatements();
      this.database.close();
    } catch {
      // closing anyway
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
