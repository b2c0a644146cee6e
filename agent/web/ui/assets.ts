/**
 * Where the web server finds the pages (index.html, assets/app.js, assets/app.css):
 * - an installed package: dist/web, built by rollup at pack time (no sources ship);
 * - a checkout: dist/web when its build-stamp.json matches the sources, otherwise a build made
 *   here with esbuild into .cache/web/<source hash> (gitignored), once per source change.
 * The answer is computed once per process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArcEdgeError } from '../../../sdk/index.ts';
import { buildWebAssets } from './build.ts';
import { BUILT_FILES, readStamp, webSourceHash } from './stamp.ts';

/** The folder with arcedge's package.json, from this module's location (source or bundle). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'arcedge') return dir;
      } catch {
        // Not JSON: keep walking up.
      }
    }
    if (dirname(dir) === dir) throw new ArcEdgeError('WEB_ASSETS_MISSING', `no arcedge package.json above ${from}`, { fix: 'reinstall arcedge; its package folder is incomplete' });
  }
}

const complete = (dir: string): boolean => BUILT_FILES.every((f) => existsSync(join(dir, f)));

/** Resolves the folder for a given package root (tests pass a scratch copy). */
export function resolveWebAssets(root: string): string {
  const srcDir = join(root, 'agent', 'web', 'ui', 'src');
  const dist = join(root, 'dist', 'web');
  if (!existsSync(join(srcDir, 'main.ts'))) {
    if (complete(dist)) return dist;
    throw new ArcEdgeError('WEB_ASSETS_MISSING', `the web pages are not in ${dist} (expected ${BUILT_FILES.join(', ')})`, {
      fix: 'reinstall arcedge, or run `npm run build` in a checkout; the package must ship dist/web',
    });
  }
  const hash = webSourceHash(srcDir);
  if (complete(dist) && readStamp(dist) === hash) return dist;
  const cached = join(root, '.cache', 'web', hash.slice(0, 16));
  if (complete(cached) && readStamp(cached) === hash) return cached;
  buildWebAssets(srcDir, cached, hash);
  return cached;
}

let resolved: string | undefined;

export function webAssetsDir(): string {
  resolved ??= resolveWebAssets(packageRoot());
  return resolved;
}
