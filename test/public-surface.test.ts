/**
 * One public surface (STYLE.md #2): tools/, examples/ and agent/ reach the SDK only through
 * sdk/index.ts (tools/ also through sdk/internal.ts, its one declared internal entry), and the
 * export lists are pinned so that growing them is a deliberate, reviewed change.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';

const root = resolve(new URL('..', import.meta.url).pathname);

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'node_modules' && entry !== 'dist') sources(path, out);
    } else if (/\.(ts|mts|js|mjs)$/.test(path)) out.push(path);
  }
  return out;
}

/** Every module specifier in a file: static imports/exports and dynamic import(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

/** Imports from `dirs` that land inside sdk/ anywhere but the allowed entries. */
function violations(dirs: string[], allowed: string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const file of sources(join(root, dir))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(dirname(file), spec));
        if (target.startsWith('sdk/') && !allowed.includes(target)) out.push(`${relative(root, file)} imports ${spec}`);
      }
    }
  }
  return out;
}

test('examples/ and agent/ import the SDK only through sdk/index.ts', () => {
  assert.deepEqual(violations(['examples', 'agent'], ['sdk/index.ts']), []);
});

test('tools/ imports the SDK only through sdk/index.ts or sdk/internal.ts', () => {
  assert.deepEqual(violations(['tools'], ['sdk/index.ts', 'sdk/internal.ts']), []);
});

test('the import check can fail: a deep import is reported', () => {
  const text = "import { alignFace } from '../sdk/align/index.ts';\nconst x = await import('../sdk/index.ts');";
  const specs = specifiers(text);
  assert.deepEqual(specs, ['../sdk/align/index.ts', '../sdk/index.ts']);
});

/** Names exported by an entry file, values and types, read from its text. */
function exportedNames(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/\/\/.*$/gm, '');
  const names: string[] = [];
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.push(name);
    }
  }
  return names.sort();
}

test('sdk/index.ts exports exactly the pinned list (values and types)', async () => {
  const names = exportedNames('sdk/index.ts');
  const pinned = JSON.parse(readFileSync(join(root, 'test', 'public-surface.json'), 'utf8')) as { sdk: string[]; internal: string[] };
  assert.deepEqual(names, [...pinned.sdk].sort(), 'sdk/index.ts changed: update test/public-surface.json deliberately');
  // The runtime module agrees with the text: every value export really exists.
  const mod = (await import('../sdk/index.ts')) as Record<string, unknown>;
  for (const key of Object.keys(mod)) assert.ok(names.includes(key), `runtime export ${key} is not in the pinned list`);
  // Test-only helpers stay out of the public surface.
  for (const testOnly of ['padFrame', 'laplacianVariance', 'toGrey', 'zeroFeeds']) assert.ok(!names.includes(testOnly), testOnly);
});

test('sdk/internal.ts exports exactly the pinned list', () => {
  const pinned = JSON.parse(readFileSync(join(root, 'test', 'public-surface.json'), 'utf8')) as { sdk: string[]; internal: string[] };
  assert.deepEqual(exportedNames('sdk/internal.ts'), [...pinned.internal].sort());
});
