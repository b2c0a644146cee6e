/** SQLite result codes -> gallery errors that say what happened to the data and what to do. */
import { ArcEdgeError, isArcEdgeError } from '../errors.ts';
import { sqliteCode } from './sqlite.ts';

export function mapSqliteError(error: unknown, path: string, what: string): unknown {
  if (isArcEdgeError(error)) return error;
  const code = sqliteCode(error);
  if (!code) return error;
  const message = (error as Error).message;
  const details = { path, sqlite: code };
  if (code.startsWith('SQLITE_FULL')) {
    return new ArcEdgeError('GALLERY_WRITE_FAILED', `${what} failed: the disk (or the gallery's maxBytes limit) is full at ${path}; the change was rolled back and nothing committed was lost`, {
      fix: 'free space on that file system (or raise maxBytes), then retry',
      details,
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new ArcEdgeError('GALLERY_READ_ONLY', `${what} failed: ${path} (or its folder, which holds the -wal and -shm files) is not writable: ${message}`, {
      fix: 'fix the permissions of the file and its folder, remount the disk read-write, or open the gallery with readOnly',
      details,
      cause: error,
    });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new ArcEdgeError('GALLERY_CORRUPT', `${path} is damaged or not a gallery (${what}: ${message})`, {
      fix: 'restore the file from a backup or an `arcedge gallery export`; `sqlite3 <file> .recover` may salvage rows',
      details,
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new ArcEdgeError('GALLERY_WRITE_FAILED', `${what} failed with an I/O error at ${path}: ${message}; the change was rolled back`, {
      fix: 'check the disk (dmesg, free space) and retry',
      details,
      cause: error,
    });
  }
  return error;
}
