/**
 * Where the web server finds the pages (agent/web/ui/assets.ts), in the three situations users
 * meet: a checkout with no build (built in-process with esbuild, rebuilt when a source changes),
 * a checkout after `npm run build` (rollup's dist/web, used while its stamp matches the
 * sources), and an installed package (dist/web only, no sources; missing -> WEB_ASSETS_MISSING).
 * Every case runs on a scratch copy of agent/web/ui/src, so the checkout is never touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rollup, type OutputOptions } from 'rollup';
import { packageRoot, resolveWebAssets } from '../../agent/web/ui/assets.ts';
import { webPagesEntry } from '../../agent/web/ui/rollup-entry.ts';
import { BUILT_FILES, readStamp, webSourceHash } from '../../agent/web/ui/stamp.ts';
import { isArcEdgeError } from '../../sdk/index.ts';
import { repoRoot } from '../helpers/assets.ts';

const scratch = join(repoRoot, 'test', '.tmp', 'web-assets');
const SRC = join(repoRoot, 'agent', 'web', 'ui', 'src');

function fakeRoot(name: string, withSources: boolean): string {
  const root = join(scratch, name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'arcedge', version: '0.0.0' }));
  if (withSources) cpSync(SRC, join(root, 'agent', 'web', 'ui', 'src'), { recursive: true });
  return root;
}

/** What any build must hold: the three files, no inline script (CSP), nothing fetched from elsewhere. */
function assertServable(dir: string): void {
  for (const f of BUILT_FILES) assert.ok(statSync(join(dir, f)).size > 0, `${f} is empty in ${dir}`);
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0, 'index.html loads the app');
  for (const [, attrs, body] of scripts) {
    assert.match(attrs!, /\bsrc="\/assets\/app\.js"/, 'scripts come from /assets only');
    assert.equal(body!.trim(), '', 'no inline script (the server CSP forbids it)');
  }
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  for (const f of BUILT_FILES) assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /(?:src|href)=["']?https?:|url\(["']?https?:|import\s*["']https?:/i, `${f} loads nothing from another host`);
  const js = readFileSync(join(dir, 'assets', 'app.js'), 'utf8');
  assert.match(js, /\/api\/login/, 'the bundle holds the pages (login call)');
  assert.match(js, /X-CSRF-Token/, 'state changes send the CSRF header');
}

test('a checkout without a build: built in-process, reused, rebuilt when a source changes', () => {
  const root = fakeRoot('checkout', true);
  const first = resolveWebAssets(root);
  assert.ok(first.startsWith(join(root, '.cache', 'web')), first);
  assertServable(first);
  const srcDir = join(root, 'agent', 'web', 'ui', 'src');
  assert.equal(readStamp(first), webSourceHash(srcDir));
  const builtAt = statSync(join(first, 'assets', 'app.js')).mtimeMs;
  assert.equal(resolveWebAssets(root), first, 'same sources: same folder');
  assert.equal(statSync(join(first, 'assets', 'app.js')).mtimeMs, builtAt, 'not rebuilt');
  appendFileSync(join(srcDir, 'app.css'), '\n/* changed */\n');
  const second = resolveWebAssets(root);
  assert.notEqual(second, first, 'a changed source gives a new build');
  assert.match(readFileSync(join(second, 'assets', 'app.css'), 'utf8'), /changed/);
});

test('npm run build output (rollup entry): dist/web is used while current, and alone in an installed package', { timeout: 120_000 }, async () => {
  const root = fakeRoot('built', true);
  const dist = join(root, 'dist', 'web');
  const options = webPagesEntry(dist, join(root, 'agent', 'web', 'ui', 'src'));
  const bundle = await rollup(options);
  await bundle.write(options.output as OutputOptions);
  await bundle.close();
  assertServable(dist);
  assert.equal(resolveWebAssets(root), dist, 'current dist/web is served as built');

  // Stale: a source changed after the build -> a fresh in-process build, not the old bundle.
  appendFileSync(join(root, 'agent', 'web', 'ui', 'src', 'app.css'), '\n/* edited after build */\n');
  assert.notEqual(resolveWebAssets(root), dist);

  // Installed: the package ships dist/web and no sources.
  const installed = fakeRoot('installed', false);
  cpSync(dist, join(installed, 'dist', 'web'), { recursive: true });
  assert.equal(resolveWebAssets(installed), join(installed, 'dist', 'web'));
  assert.equal(packageRoot(join(installed, 'dist', 'bin', 'chunks')), installed, 'found from inside the bundle');
});

test('an installed package without dist/web fails with WEB_ASSETS_MISSING and a fix', () => {
  const root = fakeRoot('broken', false);
  assert.throws(
    () => resolveWebAssets(root),
    (e: unknown) => isArcEdgeError(e, 'WEB_ASSETS_MISSING') && /npm run build|reinstall/.test(e.fix) && e.message.includes(join(root, 'dist', 'web')),
  );
});

test('the checkout itself resolves to its own package root', () => {
  assert.equal(packageRoot(), repoRoot);
});
