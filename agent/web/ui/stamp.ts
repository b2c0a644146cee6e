/**
 * What makes a build of the pages "current": a sha256 over every file under src/ (path and
 * bytes). Both builds (rollup into dist/web for the package, esbuild in-process for a checkout)
 * write it to build-stamp.json, and webAssetsDir() compares it with the sources it can see.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const STAMP_FILE = 'build-stamp.json';

/** Browsers the pages are compiled for (both builds): what ships on current desktops and phones. */
export const BROWSER_TARGETS = ['chrome100', 'firefox100', 'safari15'];

/** Files the built folder holds, relative to it (the server serves / and /assets/*). */
export const BUILT_FILES = ['index.html', 'assets/app.js', 'assets/app.css'] as const;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

export function webSourceHash(srcDir: string): string {
  const hash = createHash('sha256');
  for (const file of listFiles(srcDir).sort()) {
    hash.update(relative(srcDir, file).split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function stampContent(sourceHash: string): string {
  return `${JSON.stringify({ sourceHash }, null, 2)}\n`;
}

export function readStamp(builtDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(builtDir, STAMP_FILE), 'utf8')) as { sourceHash?: string }).sourceHash;
  } catch {
    return undefined;
  }
}
