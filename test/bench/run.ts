/**
 * npm run bench [-- --quick] [-- --json]: every performance figure arcedge claims, each with
 * its baseline measured in the same run and the ratio between them, plus the machine and run
 * conditions. One table on stdout (or, with --json, the JSON on stdout and the table on
 * stderr); the JSON is also written to test/.tmp/bench/latest.json.
 *
 * Rows come from the providers in test/bench/rows/ (registry.ts lists the parts; a part whose
 * file has not landed gets a row saying so). --quick (one round, fewer model sets) runs in
 * under 3 minutes; the full run in under 10. Ratios are the figures to read: this machine is
 * shared, so absolute times drift between runs, while both sides of a ratio see the same load.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { BENCH_PARTS } from './registry.ts';
import { ratioOf, type BenchContext, type BenchRow, type RowProvider } from './types.ts';
import { repoRoot } from '../helpers/assets.ts';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const json = argv.includes('--json');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
// --rows=<dir>: where the part files live (default test/bench/rows); the bench's own test points
// it at a folder where some parts have not landed.
const rowsDir = argv.find((a) => a.startsWith('--rows='))?.slice('--rows='.length) ?? join(here, 'rows');
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 2));
const out = (line: string) => (json ? console.error(line) : console.log(line));

function version(pkg: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (JSON.parse(execFileSync(process.execPath, ['-p', `JSON.stringify(require('${pkg}/package.json').version)`], { cwd: repoRoot, encoding: 'utf8' })) as string);
  } catch {
    return 'unknown';
  }
}

function conditions(extra: Record<string, string | number>, startLoad: number[], seconds: number): Record<string, unknown> {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {}
  return {
    date: new Date().toISOString(),
    commit,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    loadAverage1mStart: +startLoad[0]!.toFixed(2),
    loadAverage1mEnd: +loadavg()[0]!.toFixed(2),
    node: process.version,
    onnxruntime: version('onnxruntime-node'),
    threads: THREADS,
    rounds: ROUNDS,
    quick,
    seconds: +seconds.toFixed(1),
    ...extra,
  };
}

function providerFiles(): { part: string; file: string; measures: string; landsWith?: string }[] {
  const dir = rowsDir;
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')) : [];
  const listed = BENCH_PARTS.map((p) => p.file);
  const extra = present.filter((f) => !listed.includes(f)).map((f) => ({ part: f.replace(/\.ts$/, ''), file: f, measures: '' }));
  return [...BENCH_PARTS, ...extra].filter((p) => !only || only.includes(p.part));
}

const fmt = (v: number | null, unit: string): string => (v === null ? '—' : unit === 'AUC' ? v.toFixed(4) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function table(rows: readonly BenchRow[]): string {
  const head = ['section', 'figure', 'value', 'baseline', 'ratio', 'target', 'note'];
  const lines = rows.map((r) => {
    const ratio = ratioOf(r);
    return [
      r.section,
      r.name,
      r.value === null ? 'n/a' : `${fmt(r.value, r.unit)} ${r.unit}`,
      r.baseline ? `${fmt(r.baseline.value, r.unit)} (${r.baseline.name})` : '',
      ratio === null ? '' : `${ratio.toFixed(ratio >= 10 ? 1 : 3)}x`,
      r.target ?? '',
      r.note ?? '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const startLoad = loadavg();
  const notes: Record<string, string | number> = {};
  const context: BenchContext = { quick, threads: THREADS, rounds: ROUNDS, log: (l) => console.error(l), note: (k, v) => void (notes[k] = v) };
  const rows: BenchRow[] = [];
  for (const part of providerFiles()) {
    const path = join(rowsDir, part.file);
    if (!existsSync(path)) {
      rows.push({ section: part.part, name: part.measures, value: null, unit: '', note: `not landed yet${part.landsWith ? ` (${part.landsWith})` : ''}` });
      continue;
    }
    const provider = (await import(pathToFileURL(path).href)).default as RowProvider;
    try {
      rows.push(...(await provider.run(context)));
    } catch (error) {
      // One part failing must not hide the others' figures; the row says what went wrong.
      rows.push({ section: part.part, name: part.measures || part.part, value: null, unit: '', note: `failed: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const result = { conditions: conditions(notes, startLoad, seconds), rows: rows.map((r) => ({ ...r, ratio: ratioOf(r) })) };
  const c = result.conditions;
  out(`\narcedge bench${quick ? ' --quick' : ''}: ${c.cpu} (${c.cores} cores, load ${c.loadAverage1mStart} -> ${c.loadAverage1mEnd}), node ${c.node}, onnxruntime ${c.onnxruntime}, ${THREADS} threads, ${ROUNDS} round(s); commit ${c.commit}`);
  out('ratio = value / baseline, both measured in this run (a shared machine: read the ratios, not the absolute times)\n');
  out(table(rows));
  out(`\nfinished in ${seconds.toFixed(1)} s`);
  const dir = join(repoRoot, 'test', '.tmp', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  if (json) console.log(JSON.stringify(result, null, 2));
  else out(`JSON: ${join(dir, 'latest.json')}`);
}

await main();
