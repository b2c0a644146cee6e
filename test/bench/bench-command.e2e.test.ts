/**
 * The bench command's frame without the slow parts: parts picked with --only, a part whose
 * rows file has not landed reported as such, the run conditions and ratios in the JSON.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/assets.ts';
import { BENCH_PARTS } from './registry.ts';
import { ratioOf } from './types.ts';

test('npm run bench -- --only=<parts> --json: conditions, a "not landed" row per missing part, rows from a landed one', () => {
  // A rows folder where no registered part has landed and one extra part has.
  const rows = mkdtempSync(join(tmpdir(), 'arcedge-bench-rows-'));
  after(() => rmSync(rows, { recursive: true, force: true }));
  writeFileSync(join(rows, 'extra.ts'), "export default { part: 'extra', run: async () => [{ section: 'extra', name: 'landed row', value: 7, unit: 'x' }] };\n");
  const parts = [...BENCH_PARTS.map((p) => p.part), 'extra'];
  assert.ok(BENCH_PARTS.length >= 5, 'the registry lists the parts');
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'bench', 'run.ts'), `--only=${parts.join(',')}`, `--rows=${rows}`, '--json', '--quick'], { encoding: 'utf8', cwd: repoRoot });
  const result = JSON.parse(stdout) as { conditions: Record<string, unknown>; rows: { section: string; name: string; value: number | null; note?: string }[] };
  for (const key of ['date', 'commit', 'cpu', 'cores', 'node', 'onnxruntime', 'threads', 'quick', 'loadAverage1mStart']) assert.ok(key in result.conditions, key);
  assert.equal(result.conditions.quick, true);
  assert.deepEqual(result.rows.map((r) => r.section), parts);
  for (const row of result.rows.slice(0, BENCH_PARTS.length)) assert.ok(row.value === null && /not landed/.test(row.note ?? ''), JSON.stringify(row));
  const agent = result.rows.find((r) => r.section === 'agent')!;
  assert.match(agent.note ?? '', /not landed yet \(branch agent\)/, 'the row says where the part is being built');
  assert.deepEqual(result.rows.at(-1), { section: 'extra', name: 'landed row', value: 7, unit: 'x', ratio: null });
});

test('ratio = value / baseline, none without a baseline or a value', () => {
  assert.equal(ratioOf({ section: 's', name: 'n', value: 30, unit: 'faces/s', baseline: { name: 'peer', value: 3 } }), 10);
  assert.equal(ratioOf({ section: 's', name: 'n', value: 30, unit: 'faces/s' }), null);
  assert.equal(ratioOf({ section: 's', name: 'n', value: null, unit: '', baseline: { name: 'peer', value: 3 } }), null);
});
