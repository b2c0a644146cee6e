/**
 * The error table is the contract callers branch on: every code has a meaning and a fix, the
 * generated docs/errors.md is current, each code is declared by exactly one part (sdk, agent,
 * tools), each part throws only its own codes or the SDK's, every thrown code is in the table,
 * and no public SDK function throws a plain Error.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArcEdgeError, SDK_ERROR_CODES, errorTable, createFrame, isArcEdgeError } from '../sdk/index.ts';
import { declareErrorCodes } from '../sdk/internal.ts';
import { AGENT_ERROR_CODES } from '../agent/errors.ts';
import { TOOLS_ERROR_CODES } from '../tools/errors.ts';
import { errorsMarkdown } from '../scripts/gen-docs.ts';

const root = new URL('..', import.meta.url).pathname;

/** The .ts files under `dir`, leaving out the native addon's folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.split('/').includes('native'))
    .map((file) => join(dir, file));
}

const OWNERS = { sdk: SDK_ERROR_CODES, agent: AGENT_ERROR_CODES, tools: TOOLS_ERROR_CODES } as const;
type Owner = keyof typeof OWNERS;

/** Codes constructed in a file's text: `new ArcEdgeError('CODE'`. */
function thrownCodes(text: string): string[] {
  return [...text.matchAll(/new ArcEdgeError\(\s*'([A-Z_0-9]+)'/g)].map((m) => m[1]!);
}

/** Throws in `part` of a code that is neither the part's own nor the SDK's, as "file: CODE". */
function foreignThrows(part: Owner, files: { file: string; text: string }[]): string[] {
  const allowed = new Set([...Object.keys(OWNERS[part]), ...Object.keys(SDK_ERROR_CODES)]);
  return files.flatMap(({ file, text }) => thrownCodes(text).filter((code) => !allowed.has(code)).map((code) => `${file}: ${code}`));
}

test('every code in the table has a meaning and a fix', () => {
  const rows = errorTable();
  assert.ok(rows.length >= 20, `${rows.length} codes`);
  // errorTable() is every part's codes: the three lists, in full, once each.
  assert.equal(rows.length, Object.values(OWNERS).reduce((n, table) => n + Object.keys(table).length, 0));
  for (const row of rows) {
    assert.match(row.code, /^[A-Z][A-Z0-9_]+$/, row.code);
    assert.ok(row.meaning.trim().length > 10, `${row.code} has no meaning`);
    assert.ok(row.fix.trim().length > 10, `${row.code} has no fix`);
  }
});

test('an error without a site-specific fix carries the table fix, in fix, message and toJSON', () => {
  const error = new ArcEdgeError('MODEL_SET_UNKNOWN', 'no set "x"');
  assert.equal(error.fix, SDK_ERROR_CODES.MODEL_SET_UNKNOWN.fix);
  assert.ok(error.message.endsWith(`Fix: ${error.fix}`));
  assert.deepEqual(error.toJSON(), { code: 'MODEL_SET_UNKNOWN', message: 'no set "x"', fix: error.fix });
  const specific = new ArcEdgeError('MODEL_SET_UNKNOWN', 'no set "y"', { fix: 'use "default"' });
  assert.equal(specific.fix, 'use "default"');
  // The agent's and the CLI's codes carry their table fix the same way once declared.
  assert.equal(new ArcEdgeError('CAMERA_UNKNOWN', 'no camera "x"').fix, AGENT_ERROR_CODES.CAMERA_UNKNOWN.fix);
  assert.equal(new ArcEdgeError('DEVICE_OFFLINE', 'not online').fix, TOOLS_ERROR_CODES.DEVICE_OFFLINE.fix);
});

test('each code is declared by exactly one part, and a second declaration is refused', () => {
  const owners = new Map<string, string[]>();
  for (const [owner, table] of Object.entries(OWNERS)) for (const code of Object.keys(table)) owners.set(code, [...(owners.get(code) ?? []), owner]);
  const shared = [...owners].filter(([, list]) => list.length > 1).map(([code, list]) => `${code}: ${list.join(', ')}`);
  assert.deepEqual(shared, []);
  for (const row of errorTable()) assert.deepEqual(owners.get(row.code), [row.owner], row.code);
  assert.throws(
    () => declareErrorCodes('tools', { TOOLS_TEST_ONLY: { meaning: 'a new code', fix: 'none' }, CAMERA_UNKNOWN: { meaning: 'a second meaning', fix: 'a second fix' } }),
    (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT') && /CAMERA_UNKNOWN of tools is already declared by agent/.test(e.message),
  );
  assert.equal(new ArcEdgeError('CAMERA_UNKNOWN', 'x').fix, AGENT_ERROR_CODES.CAMERA_UNKNOWN.fix, 'the refused declaration changed nothing');
  assert.ok(!errorTable().some((row) => (row.code as string) === 'TOOLS_TEST_ONLY'), 'nor added the list\'s other codes');
});

test('each part throws only its own codes or the SDK\'s (sdk/ only its own)', () => {
  const read = (dir: string) => sources(join(root, dir)).map((file) => ({ file: file.slice(root.length), text: readFileSync(file, 'utf8') }));
  const thrown = new Set<string>();
  for (const part of Object.keys(OWNERS) as Owner[]) {
    const files = read(part);
    for (const { text } of files) for (const code of thrownCodes(text)) thrown.add(code);
    assert.deepEqual(foreignThrows(part, files), [], `${part}/ throws codes another part declares: move the code to ${part}/errors.ts or use the SDK's`);
  }
  assert.ok(thrown.size >= 60, `${thrown.size} codes thrown`);
  // The check can fail: the agent throwing the CLI's code, or the SDK throwing the agent's.
  assert.deepEqual(foreignThrows('agent', [{ file: 'x.ts', text: "throw new ArcEdgeError('DEVICE_OFFLINE', 'm');" }]), ['x.ts: DEVICE_OFFLINE']);
  assert.deepEqual(foreignThrows('sdk', [{ file: 'y.ts', text: "throw new ArcEdgeError(\n  'CAMERA_UNKNOWN', 'm');" }]), ['y.ts: CAMERA_UNKNOWN']);
});

test('docs/errors.md is generated from the table and current (npm run docs)', () => {
  const committed = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  assert.equal(committed, errorsMarkdown(), 'docs/errors.md is stale: run `npm run docs`');
  for (const row of errorTable()) assert.ok(committed.includes(`\`${row.code}\``), row.code);
});

test('every code thrown in sdk/ is in the table, and public code throws no plain Error', () => {
  const known = new Set(Object.keys(SDK_ERROR_CODES));
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
  for (const code of thrown) assert.ok(known.has(code), `${code} is thrown by sdk/ but not in SDK_ERROR_CODES`);
  assert.deepEqual(plain, [], 'these files throw plain errors from public code');
});

test('createFrame refuses bad sizes with INVALID_ARGUMENT, not a RangeError', () => {
  assert.throws(() => createFrame(2, 2, new Uint8Array(5)), (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT') && /needs 12/.test(e.message));
  assert.throws(() => createFrame(0, 2), (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});
