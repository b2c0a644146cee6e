/**
 * The rollup entry for the web pages (used by rollup.config.ts): src/main.ts bundled for
 * browsers into <dir>/assets/app.js, with index.html, assets/app.css and build-stamp.json
 * beside it. Same layout and stamp as the in-process build (build.ts), so webAssetsDir()
 * treats both alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin, RollupOptions } from 'rollup';
import esbuild from 'rollup-plugin-esbuild';
import { BROWSER_TARGETS, STAMP_FILE, stampContent, webSourceHash } from './stamp.ts';

/** Relative to the working directory: rollup runs from the repository root. */
const SRC = join('agent', 'web', 'ui', 'src');

function staticFiles(srcDir: string): Plugin {
  return {
    name: 'arcedge-web-static',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'index.html', source: readFileSync(join(srcDir, 'index.html')) });
      this.emitFile({ type: 'asset', fileName: 'assets/app.css', source: readFileSync(join(srcDir, 'app.css')) });
      this.emitFile({ type: 'asset', fileName: STAMP_FILE, source: stampContent(webSourceHash(srcDir)) });
    },
  };
}

export function webPagesEntry(dir: string, srcDir: string = SRC): RollupOptions {
  return {
    input: join(srcDir, 'main.ts'),
    plugins: [esbuild({ target: BROWSER_TARGETS, minify: true, tsconfig: join(srcDir, 'tsconfig.json') }), staticFiles(srcDir)],
    output: { dir, format: 'esm', entryFileNames: 'assets/app.js', inlineDynamicImports: true },
  };
}
