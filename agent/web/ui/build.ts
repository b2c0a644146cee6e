/**
 * Builds the pages in-process with esbuild (the only esbuild import): used when the agent runs
 * from a checkout (tsx) and dist/web is missing or older than the sources. The packaged agent
 * never gets here: it ships dist/web, built by rollup (rollup.config.ts), and no sources.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ArcEdgeError } from '../../../sdk/index.ts';
import { BROWSER_TARGETS, STAMP_FILE, stampContent } from './stamp.ts';

/**
 * Writes index.html, assets/app.js and assets/app.css into `outDir`. It builds into a sibling
 * folder and renames it into place, so a reader never sees half a build.
 */
export function buildWebAssets(srcDir: string, outDir: string, sourceHash: string): void {
  // esbuild is a devDependency: a checkout has it; an installed package never calls this.
  let esbuild: typeof import('esbuild');
  try {
    esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  } catch (cause) {
    throw new ArcEdgeError('WEB_ASSETS_MISSING', `the web pages in ${srcDir} are not built and esbuild is not installed to build them`, {
      fix: 'run `npm run build` (writes dist/web), or `npm install` in the checkout for esbuild',
      cause,
    });
  }
  const staging = `${outDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(join(staging, 'assets'), { recursive: true });
    esbuild.buildSync({
      entryPoints: [join(srcDir, 'main.ts')],
      bundle: true,
      format: 'esm',
      target: BROWSER_TARGETS,
      minify: true,
      legalComments: 'none',
      tsconfig: join(srcDir, 'tsconfig.json'),
      outfile: join(staging, 'assets', 'app.js'),
      logLevel: 'silent',
    });
    copyFileSync(join(srcDir, 'index.html'), join(staging, 'index.html'));
    copyFileSync(join(srcDir, 'app.css'), join(staging, 'assets', 'app.css'));
    writeFileSync(join(staging, STAMP_FILE), stampContent(sourceHash));
    mkdirSync(dirname(outDir), { recursive: true });
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
  } catch (cause) {
    rmSync(staging, { recursive: true, force: true });
    if (cause instanceof ArcEdgeError) throw cause;
    throw new ArcEdgeError('WEB_ASSETS_MISSING', `building the web pages from ${srcDir} into ${outDir} failed: ${(cause as Error).message}`, {
      fix: 'fix the error above in agent/web/ui/src (npm run typecheck shows it), or run `npm run build` and use dist/web',
      cause,
    });
  }
}
