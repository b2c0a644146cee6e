/**
 * The error table is the contract callers branch on: every code has a meaning and a fix, the
 * generated docs/errors.md is current, every code thrown in sdk/ is in the table, and no
 * public SDK function throws a plain Error.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArcEdgeError, ERROR_CODES, errorTable, createFrame, isArcEdgeError } from '../sdk/index.ts';
import { errorsMarkdown } from '../scripts/gen-docs.ts';

const root = new URL('..', import.meta.url).pathname;

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'native' && entry !== 'node_modules') sources(path, out);
    } else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

test('every code in the table has a meaning and a fix', () => {
  const rows = errorTable();
  assert.ok(rows.length >= 20, `${rows.length} codes`);
  for (const row of rows) {
    assert.match(row.code, /^[A-Z][A-Z0-9_]+$/, row.code);
    assert.ok(row.meaning.trim().length > 10, `${row.code} has no meaning`);
    assert.ok(row.fix.trim().length > 10, `${row.code} has no fix`);
  }
});

test('an error without a site-specific fix carries the table fix, in fix, message and toJSON', () => {
  const error = new ArcEdgeError('MODEL_SET_UNKNOWN', 'no set "x"');
  assert.equal(error.fix, ERROR_CODES.MODEL_SET_UNKNOWN.fix);
  assert.ok(error.message.endsWith(`Fix: ${error.fix}`));
  assert.deepEqual(error.toJSON(), { code: 'MODEL_SET_UNKNOWN', message: 'no set "x"', fix: error.fix });
  const specific = new ArcEdgeError('MODEL_SET_UNKNOWN', 'no set "y"', { fix: 'use "default"' });
  assert.equal(specific.fix, 'use "default"');
});

test('docs/errors.md is generated from the table and current (npm run docs)', () => {
  const committed = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  assert.equal(committed, errorsMarkdown(), 'docs/errors.md is stale: run `npm run docs`');
  for (const code of Object.keys(ERROR_CODES)) assert.ok(committed.includes(`\`${code}\``), code);
});

test('every code thrown in sdk/ is in the table, and public code throws no plain Error', () => {
  const known = new Set(Object.keys(ERROR_CODES));
  const thrown = new Set<string>();
  const plain: string[] = [];
  // Internal parsers whose plain errors are caught and wrapped (MODEL_FETCH_FAILED) by the resolver.
  const wrappedInternals = new Set(['models/zip.ts', 'models/download.ts', 'models/fetch-npm.ts', 'models/sources.ts']);
  for (const file of sources(join(root, 'sdk'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/new ArcEdgeError\(\s*'([A-Z_0-9]+)'/g)) thrown.add(match[1]!);
    const relative = file.slice(join(root, 'sdk').length + 1);
    if (!wrappedInternals.has(relative) && /throw new (Error|RangeError|TypeError)\(/.test(text)) plain.push(relative);
  }
  assert.ok(thrown.size >= 15, `${thrown.size} codes thrown`);
  for (const code of thrown) assert.ok(known.has(code), `${code} is thrown but not in ERROR_CODES`);
  assert.deepEqual(plain, [], 'these files throw plain errors from public code');
});

test('createFrame refuses bad sizes with INVALID_ARGUMENT, not a RangeError', () => {
  assert.throws(() => createFrame(2, 2, new Uint8Array(5)), (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT') && /needs 12/.test(e.message));
  assert.throws(() => createFrame(0, 2), (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});
