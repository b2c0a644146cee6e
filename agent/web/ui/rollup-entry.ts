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

const SRC = join('agent', 'web', 'ui', 'src');

function staticFiles(): Plugin {
  return {
    name: 'arcedge-web-static',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'index.html', source: readFileSync(join(SRC, 'index.html')) });
      this.emitFile({ type: 'asset', fileName: 'assets/app.css', source: readFileSync(join(SRC, 'app.css')) });
      this.emitFile({ type: 'asset', fileName: STAMP_FILE, source: stampContent(webSourceHash(SRC)) });
    },
  };
}

export function webPagesEntry(dir: string): RollupOptions {
  return {
    input: join(SRC, 'main.ts'),
    plugins: [esbuild({ target: BROWSER_TARGETS, minify: true, tsconfig: join(SRC, 'tsconfig.json') }), staticFiles()],
    output: { dir, format: 'esm', entryFileNames: 'assets/app.js', inlineDynamicImports: true },
  };
}
