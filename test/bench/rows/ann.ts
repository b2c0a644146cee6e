/**
 * Large-gallery rows: identify through the HNSW graph against the exact int8 scan of the same
 * matrix at 100k and 1M identities (test/bench/ann-bench.ts), with recall@1, open-set agreement,
 * build time and memory/disk per identity. 1M needs ~2 GB and minutes to build: full run only.
 * BENCH_ANN_EF / BENCH_ANN_WIDE add rows for other search settings on the same build.
 */
import { HNSW_DEFAULTS } from '../../../sdk/match/hnsw.ts';
import { annBenchSizes, realDevEmbeddings, runAnnBench } from '../ann-bench.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

const provider: RowProvider = {
  part: 'ann',
  async run(context: BenchContext) {
    const real = await realDevEmbeddings();
    const sizes = annBenchSizes(context.quick);
    context.log(`ann: ${sizes.join(', ')} identities; ${real.enrolled.length} real dev identities enrolled, ${real.queries.length} real queries`);
    const rows: BenchRow[] = [];
    for (const r of await runAnnBench(sizes, real, context.log)) {
      const label = `${r.identities / 1000}k identities, ef ${r.ef}, wide ${r.search.wideCandidates}`;
      const note = `${r.queries} queries (${r.realQueries} real dev embeddings); steps ${JSON.stringify(r.steps)}`;
      rows.push(
        { section: 'ann', name: `identify p50, HNSW graph, ${label}`, value: r.graphP50Ms, unit: 'ms', baseline: { name: 'exact int8 scan p50', value: r.exactP50Ms }, better: 'lower', ...(r.identities >= 1_000_000 ? { target: 'p50 <= 5 ms' } : {}), note },
        { section: 'ann', name: `identify p99, HNSW graph, ${label}`, value: r.graphP99Ms, unit: 'ms', baseline: { name: 'exact int8 scan p99', value: r.exactP99Ms }, better: 'lower', note },
        { section: 'ann', name: `identify p50 of queries exact answers unknown, ${label}`, value: r.graphUnknownP50Ms, unit: 'ms', better: 'lower', note: 'strangers: they take the wide pass' },
        { section: 'ann', name: `first pass alone p50, ${label}`, value: r.firstP50Ms, unit: 'ms', better: 'lower', note: 'the graph search before the wide pass (identify as first shipped)' },
        { section: 'ann', name: `recall@1 against exact, ${label}`, value: r.recallAt1, unit: 'share', better: 'higher', target: '>= 0.995', note: `${note}; strangers included (their exact top-1 is a near-tie among unrelated people)` },
        { section: 'ann', name: `recall@1 against exact, matched queries, ${label}`, value: r.recallAt1Matched, unit: 'share', baseline: { name: 'first pass alone', value: r.firstRecallAt1Matched }, better: 'higher', target: '>= 0.995', note: `${r.matchedQueries} queries exact search answers with an identity` },
        { section: 'ann', name: `open-set decision = exact, ${label}`, value: r.decisionAgreement, unit: 'share', baseline: { name: 'first pass alone', value: r.firstDecisionAgreement }, better: 'higher', target: '>= 0.999', note: 'gallery default threshold and margin' },
        { section: 'ann', name: `graph build, ${label}`, value: r.buildS, unit: 's', note: `${r.buildThreads} threads; connectivity ${HNSW_DEFAULTS.connectivity}, efConstruction ${HNSW_DEFAULTS.expansionAdd}, int8 vectors` },
        { section: 'ann', name: `graph RAM per identity, ${label}`, value: r.ramBytesPerIdentity, unit: 'bytes', note: 'RSS growth while building; the int8 matrix (516 B) comes on top' },
        { section: 'ann', name: `graph disk per identity, ${label}`, value: r.diskBytesPerIdentity, unit: 'bytes', note: '<gallery>.ann' },
      );
    }
    return rows;
  },
};
export default provider;
