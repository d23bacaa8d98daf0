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

    const created = !db;
    if (!db) {
      db = new SQL.Database();
    }
    if (version < schemaVersion || created) {
      migrate(db);
    }
    const store = new Store(SQL, db, absolute, reason, lock, readUserVersion(db), clientName);
    if (lock) {
      try {
        if (created || version < schemaVersion) {
          store.save();
          log('info', created ? `Created the database ${absolute}` : `Upgraded ${absolute} to schema ${schemaVersion}`);
        } else {
          store.savedImage = loadedImage ?? db.export();
          store.savedIdentity = identityOf(absolute);
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
    if (this.totalChanges() !== changesBefore) {
      try {
        this.save();
      } catch (error) {
        this.restoreSavedImage();
        throw databaseWriteFailed(describeSaveError(this.path, error));
      }
    }
    return result;
  }

  private totalChanges(): number {
    return Number(this.database.exec('SELECT total_changes()')[0].values[0][0]);
  }

  private save(): void {
    const image = this.database.export();
    writeFileAtomically(this.path, image);
    this.savedImage = image;
    this.savedIdentity = identityOf(this.path);
  }

  private restoreSavedImage(): void {
    this.freeStatements();
    this.database.close();
    this.database = new this.SQL.Database(this.savedImage);
    this.database.run('PRAGMA foreign_keys = ON');
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
