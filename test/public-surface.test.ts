/**
 * One door per part (STYLE.md #2, docs/ARCHITECTURE.md): examples/ reach the SDK only through
 * sdk/index.ts, agent/ and tools/ through sdk/index.ts or sdk/internal.ts (arcedge's own
 * plumbing); agent/ and tools/ never import each other, and sdk/ imports neither. The export
 * lists are pinned so that growing them is a deliberate, reviewed change.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { apiMarkdown } from '../scripts/api-docs.ts';

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

/** Every relative import of the sources under `dirs`, resolved to a path from the repo root. */
function imports(dirs: string[], base = root): { file: string; spec: string; target: string }[] {
  const out: { file: string; spec: string; target: string }[] = [];
  for (const dir of dirs) {
    for (const file of sources(join(base, dir))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) out.push({ file: relative(base, file), spec, target: relative(base, resolve(dirname(file), spec)) });
      }
    }
  }
  return out;
}

/** Imports from `dirs` that land inside sdk/ anywhere but the allowed entries. */
function violations(dirs: string[], allowed: string[], base = root): string[] {
  return imports(dirs, base).filter((i) => i.target.startsWith('sdk/') && !allowed.includes(i.target)).map((i) => `${i.file} imports ${i.spec}`);
}

/** Imports from `dirs` into the folder `forbidden` (agent/ and tools/ never import each other). */
function crossings(dirs: string[], forbidden: string, base = root): string[] {
  return imports(dirs, base).filter((i) => i.target === forbidden || i.target.startsWith(`${forbidden}/`)).map((i) => `${i.file} imports ${i.spec}`);
}

test('examples/ import the SDK only through sdk/index.ts', () => {
  assert.deepEqual(violations(['examples'], ['sdk/index.ts']), []);
});

test('agent/ and tools/ import the SDK only through sdk/index.ts or sdk/internal.ts', () => {
  assert.deepEqual(violations(['agent', 'tools'], ['sdk/index.ts', 'sdk/internal.ts']), []);
});

test('tools/ never imports agent/, and agent/ never imports tools/', () => {
  assert.deepEqual(crossings(['tools'], 'agent'), [], 'what both need belongs in sdk/ (sdk/internal.ts for arcedge-only plumbing)');
  assert.deepEqual(crossings(['agent'], 'tools'), []);
});

test('the SDK never imports agent/ or tools/ (it is the bottom layer)', () => {
  assert.deepEqual([...crossings(['sdk'], 'agent'), ...crossings(['sdk'], 'tools')], []);
});

test('the import checks can fail: a deep import and a crossing are reported', () => {
  const text = "import { alignFace } from '../sdk/align/index.ts';\nconst x = await import('../sdk/index.ts');";
  const specs = specifiers(text);
  assert.deepEqual(specs, ['../sdk/align/index.ts', '../sdk/index.ts']);
  // The real rules on a scratch tree: tools/x.ts importing agent/ and a deep sdk/ path.
  const scratch = mkdtempSync(join(tmpdir(), 'arcedge-surface-'));
  try {
    mkdirSync(join(scratch, 'tools'));
    writeFileSync(join(scratch, 'tools', 'x.ts'), "import { Agent } from '../agent/agent.ts';\nimport { alignFace } from '../sdk/align/index.ts';\n");
    assert.deepEqual(crossings(['tools'], 'agent', scratch), ["tools/x.ts imports ../agent/agent.ts"]);
    assert.deepEqual(violations(['tools'], ['sdk/index.ts', 'sdk/internal.ts'], scratch), ["tools/x.ts imports ../sdk/align/index.ts"]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
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
  const names = exportedNames('sdk/internal.ts');
  assert.deepEqual(names, [...pinned.internal].sort());
  // Test-only helpers are on no entry: tests import them from their module.
  for (const testOnly of ['openSessionCount']) assert.ok(!names.includes(testOnly), testOnly);
});

test('docs/api.md lists exactly the pinned public names and is current (npm run docs)', () => {
  const committed = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  assert.equal(committed, apiMarkdown(), 'docs/api.md is stale: run `npm run docs`');
  const listed = [...committed.matchAll(/^\| \[`([A-Za-z0-9_]+)`\]/gm)].map((m) => m[1]!).sort();
  const pinned = JSON.parse(readFileSync(join(root, 'test', 'public-surface.json'), 'utf8')) as { sdk: string[] };
  assert.deepEqual(listed, [...pinned.sdk].sort());
});
