/**
 * Gallery rows: exact top-1 search over 10k / 100k (and 1M in a full run) templates x 512 in
 * float32, float16 and int8, each kernel against the memory-bandwidth bound measured in the
 * same run (test/bench/match-bench.ts, the gallery's own measurement), and MatchIndex.identify
 * end to end against the bare scan it wraps.
 */
import { identifyLatencyMs, runMatchBench } from '../match-bench.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

const provider: RowProvider = {
  part: 'gallery',
  async run(context: BenchContext) {
    const sizes = process.env.BENCH_MATCH_SIZES ? process.env.BENCH_MATCH_SIZES.split(',').map(Number) : context.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
    context.log(`gallery: exact top-1 search over ${sizes.join(', ')} templates x 512`);
    const rows: BenchRow[] = runMatchBench(sizes).map((r) => ({
      section: 'gallery',
      name: `search top-1, ${r.templates} x 512 ${r.storage}, ${r.kernel}`,
      value: r.ms,
      unit: 'ms',
      baseline: { name: 'memory-bandwidth bound (memchr, same bytes)', value: r.boundMs },
      better: 'lower',
      note: `${r.gbPerS.toFixed(1)} GB/s, single thread`,
    }));
    const scan10k = rows.find((r) => r.name.startsWith('search top-1, 10000 x 512 float32') && /used/.test(r.name)) ?? rows.find((r) => r.name.startsWith('search top-1, 10000 x 512 float32'));
    rows.push({
      section: 'gallery',
      name: 'MatchIndex.identify, 10k templates / 2,000 people',
      value: identifyLatencyMs(),
      unit: 'ms',
      ...(scan10k?.value ? { baseline: { name: 'the float32 top-1 scan it wraps', value: scan10k.value } } : {}),
      better: 'lower',
      note: 'scan + per-identity aggregation + decision',
    });
    return rows;
  },
};
export default provider;
