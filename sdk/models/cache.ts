/**
 * The on-disk model cache: $ARCEDGE_HOME/models/<first 16 hex of sha256>/<file>. Keying the
 * folder by content means two sets that ship the same bytes under one name share a file, and a
 * new version of a file never overwrites the old one another process may be reading.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ModelManifest } from './manifest.ts';

export function arcedgeHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ARCEDGE_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'arcedge'));
}

export function cachedModelPath(manifest: Pick<ModelManifest, 'sha256' | 'file'>, home: string): string {
  return join(home, 'models', manifest.sha256.slice(0, 16), manifest.file);
}
