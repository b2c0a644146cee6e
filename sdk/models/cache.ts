/**
 * The on-disk model cache: $ARCEDGE_HOME/models/<first 16 hex of sha256>/<file>. Keying the
 * folder by content means two sets that ship the same bytes under one name share a file, and a
 * new version of a file never overwrites the old one another process may be reading.
 */
import { join } from 'node:path';
import { arcedgeHome, modelCacheDir } from '../storage/paths.ts';
import type { ModelManifest } from './manifest.ts';

export { arcedgeHome };

export function cachedModelPath(manifest: Pick<ModelManifest, 'sha256' | 'file'>, home: string): string {
  return join(modelCacheDir(home), manifest.sha256.slice(0, 16), manifest.file);
}
