/**
 * The one way the SDK writes a file another process may read (model cache, TensorRT engines,
 * timing caches): write a unique temp file in the same directory, fsync it, rename it over the
 * target, fsync the directory. A reader sees no file or the whole file, never half a model;
 * a crash or a full disk leaves at most a `.tmp-*` file, which is removed when we can.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ArcEdgeError } from '../errors.ts';

export interface AtomicWriteOptions {
  /** Permission bits of the new file. Default 0o644. */
  readonly mode?: number;
  /** The environment variable that moves this storage elsewhere, named in the fix. */
  readonly relocateWith?: string;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a parent of the path is a file, not a directory',
  EISDIR: 'the path is a directory',
};

function storageError(path: string, cause: unknown, options: AtomicWriteOptions): ArcEdgeError {
  const code = (cause as NodeJS.ErrnoException).code;
  const reason = (code && REASONS[code]) ?? (cause as Error).message;
  const where = dirname(path);
  const relocate = options.relocateWith ? `, or set ${options.relocateWith} to a folder on another disk` : '';
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `free space on the disk holding ${where} (df -h ${where})${relocate}`
      : `make ${where} writable by this user${relocate}`;
  return new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot write ${path}: ${reason}${code ? ` (${code})` : ''}`, {
    fix,
    cause,
    details: { path, errno: code },
  });
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let created = false;
  try {
    await mkdir(dirname(path), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      // mkdir -p reports a file in the way as EEXIST; say what it means.
      if (error.code === 'EEXIST') error.code = 'ENOTDIR';
      throw error;
    });
    const handle = await open(temp, 'wx', options.mode ?? 0o644);
    created = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    created = false;
    // fsync the directory so the rename itself survives a power cut (ext4 data=ordered).
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (cause) {
    if (created) await unlink(temp).catch(() => undefined);
    throw storageError(path, cause, options);
  }
}
