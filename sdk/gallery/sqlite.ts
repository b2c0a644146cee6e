/**
 * The only SQLite import in arcedge (STYLE.md #1). better-sqlite3 is loaded lazily, on the
 * first openGallery(), so programs that never open a gallery do not load a native addon they
 * do not use. Encrypted galleries need better-sqlite3-multiple-ciphers, a build of the same
 * API over SQLite3MultipleCiphers (SQLCipher-compatible); it is optional and loaded only for
 * a gallery opened with a key.
 *
 * The rest of sdk/gallery sees only the small Database interface below.
 */
import { createRequire } from 'node:module';
import { ArcEdgeError } from '../errors.ts';

export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

export interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
  readonly open: boolean;
  readonly inTransaction: boolean;
}

type DatabaseConstructor = new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => Database;

export type SqliteDriver = 'better-sqlite3' | 'better-sqlite3-multiple-ciphers';

const require = createRequire(import.meta.url);
const loaded = new Map<SqliteDriver, DatabaseConstructor>();

/** The driver's Database class; ENCRYPTION_UNAVAILABLE when the cipher build is missing. */
export function loadSqlite(driver: SqliteDriver): DatabaseConstructor {
  const cached = loaded.get(driver);
  if (cached) return cached;
  let ctor: DatabaseConstructor;
  try {
    // createRequire keeps the load lazy and synchronous, and leaves the optional cipher build
    // out of the bundler's graph.
    ctor = require(driver) as DatabaseConstructor;
  } catch (error) {
    if (driver === 'better-sqlite3-multiple-ciphers') {
      throw new ArcEdgeError('GALLERY_ENCRYPTION_UNAVAILABLE', `an encryption key was given but ${driver} could not be loaded: ${(error as Error).message}`, {
        fix: `install it (npm install ${driver}@12.9.0) or open the gallery without a key (unset ARCEDGE_GALLERY_KEY / ARCEDGE_GALLERY_KEY_FILE)`,
        cause: error,
      });
    }
    throw new ArcEdgeError('GALLERY_OPEN_FAILED', `the SQLite binding ${driver} could not be loaded: ${(error as Error).message}`, {
      fix: 'reinstall arcedge so better-sqlite3 builds for this Node version (npm rebuild better-sqlite3)',
      cause: error,
    });
  }
  // The binding's native file is loaded by the constructor, not by require(): a package whose
  // build failed only fails here.
  const wrapped = function (this: unknown, path: string, options?: ConstructorParameters<DatabaseConstructor>[1]) {
    try {
      return new ctor(path, options);
    } catch (error) {
      if (sqliteCode(error)) throw error;
      throw new ArcEdgeError(
        driver === 'better-sqlite3' ? 'GALLERY_OPEN_FAILED' : 'GALLERY_ENCRYPTION_UNAVAILABLE',
        `${driver} is installed but its native binding does not load: ${(error as Error).message.split('\n')[0]}`,
        { fix: `rebuild it for this Node version: npm rebuild ${driver}`, cause: error },
      );
    }
  } as unknown as DatabaseConstructor;
  loaded.set(driver, wrapped);
  return wrapped;
}

/** SQLite's result code on a SqliteError (e.g. SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_FULL). */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Quotes a key for `PRAGMA key = '...'` (SQLite string literal: double the quotes). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * An SQLite database at `path`, created if missing, for stores other than the gallery (the
 * agent's event history), so that better-sqlite3 stays imported here only. With `key` it is
 * encrypted like an encrypted gallery (SQLCipher 4 format through
 * better-sqlite3-multiple-ciphers); a wrong key throws before any table is read.
 */
export function openSqliteDatabase(path: string, options: { readonly?: boolean; timeoutMs?: number; key?: string } = {}): Database {
  const Ctor = loadSqlite(options.key === undefined ? 'better-sqlite3' : 'better-sqlite3-multiple-ciphers');
  const db = new Ctor(path, { readonly: options.readonly ?? false, timeout: options.timeoutMs ?? 5000 });
  if (options.key !== undefined) {
    db.pragma("cipher = 'sqlcipher'");
    db.pragma('legacy = 4');
    db.pragma(`key = '${options.key.replaceAll("'", "''")}'`);
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (error) {
      db.close();
      throw new ArcEdgeError('GALLERY_KEY_INVALID', `the key does not open ${path} (wrong key, or the file was written without one)`, {
        fix: 'use the key the file was created with; a plaintext file from before encryption was turned on must be moved away first',
        details: { path },
        cause: error,
      });
    }
  }
  return db;
}
