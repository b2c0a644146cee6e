/**
 * The bench command's frame without the slow parts: parts picked with --only, a part whose
 * rows file has not landed reported as such, the run conditions and ratios in the JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/assets.ts';
import { BENCH_PARTS } from './registry.ts';
import { ratioOf } from './types.ts';

test('npm run bench -- --only=<parts> --json: conditions, and a "not landed" row per missing part', () => {
  const missing = BENCH_PARTS.filter((p) => !existsSync(join(repoRoot, 'test', 'bench', 'rows', p.file)));
  const parts = missing.length > 0 ? missing.map((p) => p.part) : ['nothing-to-run'];
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'bench', 'run.ts'), `--only=${parts.join(',')}`, '--json', '--quick'], { encoding: 'utf8', cwd: repoRoot });
  const result = JSON.parse(stdout) as { conditions: Record<string, unknown>; rows: { section: string; value: number | null; note?: string }[] };
  for (const key of ['date', 'commit', 'cpu', 'cores', 'node', 'onnxruntime', 'threads', 'quick', 'loadAverage1mStart']) assert.ok(key in result.conditions, key);
  assert.equal(result.conditions.quick, true);
  assert.deepEqual(result.rows.map((r) => r.section), missing.map((p) => p.part));
  for (const row of result.rows) assert.ok(row.value === null && /not landed/.test(row.note ?? ''), JSON.stringify(row));
});

test('ratio = value / baseline, none without a baseline or a value', () => {
  assert.equal(ratioOf({ section: 's', name: 'n', value: 30, unit: 'faces/s', baseline: { name: 'peer', value: 3 } }), 10);
  assert.equal(ratioOf({ section: 's', name: 'n', value: 30, unit: 'faces/s' }), null);
  assert.equal(ratioOf({ section: 's', name: 'n', value: null, unit: '', baseline: { name: 'peer', value: 3 } }), null);
});
