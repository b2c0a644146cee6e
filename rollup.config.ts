/**
 * Bundles the SDK library (ESM + one .d.ts) and the two CLIs. Dependencies and node
 * builtins stay external: onnxruntime-node and OpenCV are native and must be loaded from
 * node_modules. The web pages are a browser bundle in dist/web. esbuild strips types (1.8 s vs 8.9 s for @rollup/plugin-typescript);
 * `npm run typecheck` is what checks them.
 */
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import type { RollupOptions } from 'rollup';
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';
import { webPagesEntry } from './agent/web/ui/rollup-entry.ts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const dependencyNames = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
const external = (id: string): boolean =>
  id.startsWith('node:') ||
  builtinModules.includes(id) ||
  dependencyNames.some((name) => id === name || id.startsWith(`${name}/`));

const esbuildPlugin = () => esbuild({ target: 'node20', sourceMap: true, loaders: { '.json': 'json' } });

const config: RollupOptions[] = [
  {
    input: { index: 'sdk/index.ts' },
    external,
    plugins: [esbuildPlugin()],
    output: { dir: 'dist/sdk', format: 'esm', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
  },
  {
    // The agent's pipeline process is its own entry: pipeline-process.ts forks it by file name.
    input: { arcedge: 'tools/arcedge.ts', 'arcedge-agent': 'agent/main.ts', 'arcedge-agent-worker': 'agent/pipeline/worker.ts' },
    external,
    plugins: [esbuildPlugin()],
    output: {
      dir: 'dist/bin',
      format: 'esm',
      sourcemap: true,
      banner: '#!/usr/bin/env node',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
  },
  {
    input: 'sdk/index.ts',
    external,
    plugins: [dts({ compilerOptions: { allowImportingTsExtensions: true, noEmit: false } })],
    output: { file: 'dist/sdk/index.d.ts', format: 'esm' },
  },
  // The agent's web pages (browser code, bundled whole): dist/web, served by agent/web.
  webPagesEntry('dist/web'),
];

export default config;
