/**
 * Manifest -> local file. Order: the search path ($ARCEDGE_MODEL_PATH), the cache
 * ($ARCEDGE_HOME/models), then each source in the manifest. Every file is identified by its
 * sha256 and checked on every resolve, so a stale, truncated or tampered file is never loaded.
 * When everything fails the one error lists each place tried and how to provide the file by hand.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { ArcEdgeError, isArcEdgeError } from '../errors.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { arcedgeHome, cachedModelPath } from './cache.ts';
import { describeFetchError } from './download.ts';
import type { DownloadOptions } from './download.ts';
import { npmRegistry } from './fetch-npm.ts';
import type { ModelManifest } from './manifest.ts';
import { sha256File, sha256Hex } from '../storage/sha256.ts';
import { describeSource, fetchFromSource, manualCommand } from './sources.ts';

/** Progress reported while resolving a model: found, corrupt, fetching, bytes received, stored. */
export type ResolveEvent =
  | { readonly kind: 'hit'; readonly file: string; readonly where: 'search-path' | 'cache' | 'local'; readonly path: string }
  | { readonly kind: 'corrupt'; readonly file: string; readonly path: string; readonly actualSha256: string }
  | { readonly kind: 'fetch'; readonly file: string; readonly source: string }
  | { readonly kind: 'progress'; readonly file: string; readonly received: number; readonly total: number | undefined }
  | { readonly kind: 'stored'; readonly file: string; readonly path: string; readonly bytes: number; readonly ms: number };

/** Where resolveModel looks (search path, cache) and how it fetches what is missing. */
export interface ResolveOptions extends DownloadOptions {
  /** Folders searched first, by file name. Default: $ARCEDGE_MODEL_PATH split on ":". */
  readonly searchPath?: readonly string[];
  /** Cache root. Default: $ARCEDGE_HOME, else ~/.cache/arcedge. */
  readonly home?: string;
  /** npm registry. Default: $npm_config_registry / $NPM_CONFIG_REGISTRY, else registry.npmjs.org. */
  readonly registry?: string;
  /** Never download (devices without network). Default: $ARCEDGE_OFFLINE === '1'. */
  readonly offline?: boolean;
  readonly onEvent?: (event: ResolveEvent) => void;
  /** Shared between the files of one set so a tarball or zip is downloaded once. */
  readonly archives?: Map<string, Promise<Buffer>>;
}

export type ModelOrigin = 'search-path' | 'cache' | 'download' | 'local';

/** A model file on disk, its manifest, and where it was found. */
export interface ResolvedModel {
  readonly manifest: ModelManifest;
  readonly path: string;
  readonly origin: ModelOrigin;
}

export function modelSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.ARCEDGE_MODEL_PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => resolve(d));
}

/** Where a manifest's file already is (search path, then cache), without downloading. */
export async function locateModel(
  manifest: ModelManifest,
  options: ResolveOptions = {},
  tried: string[] = [],
): Promise<ResolvedModel | undefined> {
  const searchPath = options.searchPath ?? modelSearchPath();
  if (searchPath.length === 0) tried.push('search path: $ARCEDGE_MODEL_PATH is not set');
  for (const dir of searchPath) {
    const path = join(dir, manifest.file);
    if (!existsSync(path)) {
      tried.push(`search path ${path}: not present`);
      continue;
    }
    const actual = await sha256File(path);
    if (actual === manifest.sha256) {
      options.onEvent?.({ kind: 'hit', file: manifest.file, where: 'search-path', path });
      return { manifest, path, origin: 'search-path' };
    }
    // A user's own folder is never modified: skip the file and say why.
    tried.push(`search path ${path}: sha256 is ${actual}, not the pinned ${manifest.sha256} (skipped, left untouched)`);
  }
  const cached = cachedModelPath(manifest, options.home ?? arcedgeHome());
  if (!existsSync(cached)) {
    tried.push(`cache ${cached}: not present`);
    return undefined;
  }
  const actual = await sha256File(cached);
  if (actual === manifest.sha256) {
    options.onEvent?.({ kind: 'hit', file: manifest.file, where: 'cache', path: cached });
    return { manifest, path: cached, origin: 'cache' };
  }
  // The cache is ours: a corrupt entry (disk error, killed writer, edit) is deleted and fetched again.
  options.onEvent?.({ kind: 'corrupt', file: manifest.file, path: cached, actualSha256: actual });
  await rm(cached, { force: true });
  tried.push(`cache ${cached}: corrupt (sha256 ${actual}), deleted`);
  return undefined;
}

function fetchFailed(manifest: ModelManifest, tried: string[], registry: string, home: string): ArcEdgeError {
  const manual = manifest.sources.map((s) => `    ${manualCommand(s, manifest.file, registry)}`);
  const how = manual.length
    ? `get the file by hand with one of:\n${manual.join('\n')}\n  then`
    : `no public download is pinned for this file; obtain ${manifest.file} (sha256 ${manifest.sha256}) yourself, then`;
  const fix =
    `${how} put it in a folder listed in $ARCEDGE_MODEL_PATH (colon-separated), ` +
    `or run \`arcedge models pull <set>\` where the network is reachable and copy ${join(home, 'models')} to this machine, ` +
    `or use a local:<dir> model set.`;
  return new ArcEdgeError(
    'MODEL_FETCH_FAILED',
    `cannot obtain model file ${manifest.file} (${manifest.id}, sha256 ${manifest.sha256}). Tried:\n${tried.map((t) => `  - ${t}`).join('\n')}`,
    { fix, details: { file: manifest.file, id: manifest.id, sha256: manifest.sha256, tried } },
  );
}

/** Resolves one manifest to a verified local file, downloading it into the cache if needed. */
export async function resolveModel(manifest: ModelManifest, options: ResolveOptions = {}): Promise<ResolvedModel> {
  const tried: string[] = [];
  const found = await locateModel(manifest, options, tried);
  if (found) return found;
  const home = options.home ?? arcedgeHome();
  const registry = options.registry ?? npmRegistry();
  const offline = options.offline ?? process.env.ARCEDGE_OFFLINE === '1';
  if (offline) tried.push('downloads: disabled (offline; ARCEDGE_OFFLINE=1 or offline: true)');
  else if (manifest.sources.length === 0) tried.push('downloads: the registry pins no source for this file');
  else {
    const target = cachedModelPath(manifest, home);
    for (const source of manifest.sources) {
      const label = describeSource(source, registry);
      options.onEvent?.({ kind: 'fetch', file: manifest.file, source: label });
      const started = performance.now();
      try {
        const bytes = await fetchFromSource(source, {
          ...options,
          registry,
          onProgress: (received, total) => options.onEvent?.({ kind: 'progress', file: manifest.file, received, total }),
        });
        const actual = sha256Hex(bytes);
        if (actual !== manifest.sha256) {
          tried.push(`${label}: got ${bytes.length} bytes with sha256 ${actual}, not the pinned ${manifest.sha256}`);
          continue;
        }
        await writeFileAtomic(target, bytes, { relocateWith: 'ARCEDGE_HOME' });
        options.onEvent?.({ kind: 'stored', file: manifest.file, path: target, bytes: bytes.length, ms: performance.now() - started });
        return { manifest, path: target, origin: 'download' };
      } catch (error) {
        // The download was fine; the cache cannot take it. Another source would fail the same way.
        if (isArcEdgeError(error, 'STORAGE_WRITE_FAILED')) throw error;
        tried.push(`${label}: ${describeFetchError(error)}`);
      }
    }
  }
  throw fetchFailed(manifest, tried, registry, home);
}
