/**
 * The on-disk model cache: $ARCEDGE_HOME/models/<first 16 hex of sha256>/<file>. Keying the
 * folder by content means two sets that ship the same bytes under one name share a file, and a
 * new version of a file never overwrites the old one another process may be reading.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ModelManifest } from './manifest.ts';

export function arcedgeHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ARCEDGE_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'arcedge'));
}

export function cachedModelPath(manifest: Pick<ModelManifest, 'sha256' | 'file'>, home: string): string {
  return join(home, 'models', manifest.sha256.slice(0, 16), manifest.file);
}

/**
 * Write-to-temp, fsync, rename: a reader sees either no file or the whole file, never a
 * half-written model (a crash mid-download leaves only a `.tmp-*` file behind).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // fsync the directory so the rename itself survives a power cut (ext4 data=ordered).
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
