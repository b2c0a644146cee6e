/**
 * Search speed (part of `npm run bench`, or alone: npx tsx test/bench/match-bench.ts): exact
 * top-1 over 10k, 100k and 1M templates x 512 in float32, float16 and int8, against a
 * memory-bandwidth bound measured in the same run: the time native memchr takes to stream the
 * same number of bytes once (Buffer.indexOf of an absent byte over a written buffer). ratio = search / bound.
 *
 * Candidate kernels are measured side by side on the same data (docs/gallery.md "Search
 * speed" records the choice): a plain JS loop, and the 4-way unrolled loop sdk/match uses.
 * BENCH_MATCH_SIZES=10000,100000 limits the sizes (1M float32 needs 2 GB of memory).
 */
import { performance } from 'node:perf_hooks';
import { halfTable, toHalf } from '../../sdk/match/float16.ts';
import { scanFloat16, scanFloat32, scanInt8 } from '../../sdk/match/kernels.ts';
import { MatchIndex, topK } from '../../sdk/match/index.ts';
import { WasmArena } from '../../sdk/match/wasm-arena.ts';
import { rng, unitVector } from '../gallery/random.ts';

const DIM = 512;
const BLOCK = 1000; // distinct random rows, repeated to fill big matrices (speed does not depend on values)

function plainFloat32(rows: Float32Array, count: number, dim: number, q: Float32Array, out: Float32Array): void {
  for (let r = 0; r < count; r++) {
    let s = 0;
    const base = r * dim;
    for (let i = 0; i < dim; i++) s += rows[base + i]! * q[i]!;
    out[r] = s;
  }
}

function bestMs(runs: number, fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/**
 * Native streaming of `bytes`: memchr for a byte the buffer does not hold. The buffer is
 * written first, so every page is real memory (untouched zero pages would all map to one
 * cached page and flatter or distort the bound).
 */
function bandwidthMs(bytes: number, runs: number): number {
  const buf = Buffer.allocUnsafe(bytes).fill(0x11);
  return bestMs(runs, () => {
    if (buf.indexOf(0x22) !== -1) throw new Error('unreachable');
  });
}

export interface MatchBenchRow {
  readonly templates: number;
  readonly storage: string;
  readonly kernel: string;
  readonly ms: number;
  readonly boundMs: number;
  readonly gbPerS: number;
}

function fill<T extends Float32Array | Uint16Array | Int8Array>(target: T, block: T): T {
  for (let off = 0; off < target.length; off += block.length) target.set(block.subarray(0, Math.min(block.length, target.length - off)) as never, off);
  return target;
}

export function runMatchBench(sizes = (process.env.BENCH_MATCH_SIZES ?? '10000,100000,1000000').split(',').map(Number)): MatchBenchRow[] {
  const random = rng(11);
  const rowsBlock = Array.from({ length: BLOCK }, () => unitVector(DIM, random));
  const f32Block = new Float32Array(BLOCK * DIM);
  rowsBlock.forEach((r, i) => f32Block.set(r, i * DIM));
  const f16Block = Uint16Array.from(f32Block, (v) => toHalf(v));
  const i8Block = Int8Array.from(f32Block, (v) => Math.round(v * 127 / 0.25)); // scale irrelevant to speed
  const query = unitVector(DIM, random);
  const rows: MatchBenchRow[] = [];
  for (const n of sizes) {
    const runs = n >= 1_000_000 ? 3 : n >= 100_000 ? 10 : 50;
    const out = new Float32Array(n);
    const scales = new Float32Array(n).fill(0.25 / 127);
    const add = (storage: string, kernel: string, bytes: number, ms: number, boundMs: number): void => {
      rows.push({ templates: n, storage, kernel, ms, boundMs, gbPerS: bytes / ms / 1e6 });
    };
    {
      let data: Float32Array | undefined = fill(new Float32Array(n * DIM), f32Block);
      const bound = bandwidthMs(data.byteLength, runs);
      add('float32', 'js plain loop', data.byteLength, bestMs(runs, () => (plainFloat32(data!, n, DIM, query, out), topK(out, 1))), bound);
      add('float32', 'js unrolled x4', data.byteLength, bestMs(runs, () => (scanFloat32(data!, n, DIM, query, out), topK(out, 1))), bound);
      data = undefined;
      const arena = WasmArena.create(DIM, false, n);
      if (arena) {
        fill(arena.rows as Float32Array, f32Block);
        add('float32', 'wasm simd f32x4 (used)', n * DIM * 4, bestMs(runs, () => (arena.scan(n, query, out), topK(out, 1))), bound);
      }
    }
    {
      let data: Uint16Array | undefined = fill(new Uint16Array(n * DIM), f16Block);
      const table = halfTable();
      const bound = bandwidthMs(data.byteLength, runs);
      add('float16', 'js unrolled x4, table (used)', data.byteLength, bestMs(runs, () => (scanFloat16(data!, n, DIM, query, out, table), topK(out, 1))), bound);
      data = undefined;
    }
    {
      let data: Int8Array | undefined = fill(new Int8Array(n * DIM), i8Block);
      const bound = bandwidthMs(data.byteLength + scales.byteLength, runs);
      add('int8', 'js unrolled x4', data.byteLength + scales.byteLength, bestMs(runs, () => (scanInt8(data!, scales, n, DIM, query, out), topK(out, 1))), bound);
      data = undefined;
      const arena = WasmArena.create(DIM, true, n);
      if (arena) {
        fill(arena.rows as Int8Array, i8Block);
        arena.scales.set(scales);
        add('int8', 'wasm simd (used)', n * DIM + n * 4, bestMs(runs, () => (arena.scan(n, query, out), topK(out, 1))), bound);
      }
    }
  }
  return rows;
}

/** End to end through MatchIndex.identify (scan + per-identity aggregation + decision), 10k templates of 2,000 people. */
export function identifyLatencyMs(templates = 10_000): number {
  const random = rng(12);
  const index = new MatchIndex({ dim: DIM, initialCapacity: templates });
  for (let i = 0; i < templates; i++) index.add(`t${i}`, `p${i % 2000}`, unitVector(DIM, random));
  const q = unitVector(DIM, random);
  return bestMs(50, () => index.identify(q, { threshold: 0.4, margin: 0.03 }));
}

export function printMatchBench(): void {
  const rows = runMatchBench();
  const head = ['templates', 'storage', 'kernel', 'top-1 ms', 'bound ms', 'ratio', 'GB/s'];
  const lines = rows.map((r) => [String(r.templates), r.storage, r.kernel, r.ms.toFixed(2), r.boundMs.toFixed(2), (r.ms / r.boundMs).toFixed(2), r.gbPerS.toFixed(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\ngallery search: exact top-1 x ${DIM}, best of several runs, single thread; bound = native memchr over the same byte count`);
  console.log([fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n'));
  console.log(`MatchIndex.identify, 10k templates / 2,000 identities (scan + aggregation + decision): ${identifyLatencyMs().toFixed(2)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) printMatchBench();
