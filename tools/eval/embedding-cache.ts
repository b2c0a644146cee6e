/**
 * Embeddings cached per model and image, so a re-run of `arcedge eval` (another threshold,
 * another report) decodes and embeds nothing it has seen. One file per model key under
 * `$ARCEDGE_HOME/eval-cache/`: the key hashes the detector, landmark and recognizer sha256s
 * and the detection policy (padding), so a changed model or policy never reads stale vectors.
 * Entries are keyed by the sha256 of the image bytes (a renamed file still hits); `null`
 * records "no face found", which is a result too.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { arcedgeHome } from '../../sdk/internal.ts';

export interface EmbeddingCache {
  get(imageSha: string): Float32Array | null | undefined;
  set(imageSha: string, embedding: Float32Array | null): void;
  /** Writes the file when anything was added (temp file + rename: readers never see half). */
  save(): void;
  readonly path: string | undefined;
}

export const defaultEvalCacheDir = (): string => join(arcedgeHome(), 'eval-cache');

export function cacheKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** `dir` undefined: an in-memory cache for this run only (--no-cache). */
export function openEmbeddingCache(dir: string | undefined, key: string): EmbeddingCache {
  const path = dir ? join(dir, `${key}.json`) : undefined;
  const entries = new Map<string, Float32Array | null>();
  if (path && existsSync(path)) {
    try {
      const stored = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string | null>;
      for (const [sha, b64] of Object.entries(stored)) {
        entries.set(sha, b64 === null ? null : new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer));
      }
    } catch {
      entries.clear(); // a damaged cache is only a slower run: start over, the next save replaces it
    }
  }
  let dirty = false;
  return {
    path,
    get: (sha) => entries.get(sha),
    set(sha, embedding) {
      entries.set(sha, embedding);
      dirty = true;
    },
    save() {
      if (!path || !dirty) return;
      mkdirSync(dir!, { recursive: true });
      const out: Record<string, string | null> = {};
      for (const [sha, v] of entries) out[sha] = v === null ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(out));
      renameSync(tmp, path);
      dirty = false;
    },
  };
}
