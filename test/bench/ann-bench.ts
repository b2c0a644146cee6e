/**
 * Large-gallery search (part `ann` of `npm run bench`, or alone: npx tsx test/bench/ann-bench.ts):
 * MatchIndex with its HNSW graph (sdk/match/hnsw.ts) against the exact int8 scan of the same
 * matrix, at 100k and 1M identities (BENCH_ANN_SIZES=100000,1000000).
 *
 * Gallery: synthetic clustered 512-d embeddings (identities drawn around 1,000 centres, so that
 * same-cluster strangers score ~0.15 like faces of one demographic, not ~0 like random vectors),
 * one template each, plus one real fr_feature_512 embedding for each dev identity (its first dev
 * photo). Queries: every other real dev photo's embedding (genuine, and the dev people never
 * enrolled as strangers), 1,000 synthetic genuine probes (cosine ~0.65 to their identity) and
 * 500 synthetic strangers. Figures: identify p50/p99 (MatchIndex.identify on the graph: first
 * pass, wide pass or exact scan, each with exact re-scoring, then the decision; exact: int8 scan +
 * top-2 + decision), and as the baseline in the same loop the first pass alone (identify as first
 * shipped); recall@1 of the graph against exact top-1, agreement of the open-set decision
 * (identity or unknown, by the gallery's default threshold and margin), which step answered, graph
 * build time, RAM (RSS growth while building) and disk (saved graph) per identity. One build per
 * size serves every search setting asked for (BENCH_ANN_EF, BENCH_ANN_WIDE): usearch keeps the
 * search list out of the saved file.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFacePipeline, decideOpenSet, GALLERY_DEFAULTS, type Detection, type OpenSetDecision } from '../../sdk/index.ts';
import { buildThreads, HNSW_DEFAULTS, HnswIndex } from '../../sdk/match/hnsw.ts';
import { ANN_SEARCH, MatchIndex, type AnnSearchSettings, type AnnStep } from '../../sdk/match/match-index.ts';
import { SCRFD_FR512 } from '../analyzer/model-sets.ts';
import { devSets } from '../analyzer/dev-sets.ts';
import { rng, unitVector } from '../gallery/random.ts';
import { devPhotos } from './photos.ts';

const DIM = 512;
const CENTRES = 1000;
const OPEN_SET = { threshold: GALLERY_DEFAULTS.threshold, margin: GALLERY_DEFAULTS.margin };

export interface AnnBenchRow {
  readonly identities: number;
  /** The graph's search list (expansionSearch) of this row's first pass. */
  readonly ef: number;
  readonly search: AnnSearchSettings;
  /** identify() as shipped: first pass, wide pass, exact scan near the threshold or margin. */
  readonly graphP50Ms: number;
  readonly graphP99Ms: number;
  /** The same over the queries exact search answers "unknown" (strangers: they take the wide pass). */
  readonly graphUnknownP50Ms: number;
  /** The same over the queries exact search answers with an identity. */
  readonly graphMatchedP50Ms: number;
  /** Baseline in the same loop: the first pass alone (identify before the wide pass). */
  readonly firstP50Ms: number;
  readonly firstP99Ms: number;
  readonly exactP50Ms: number;
  readonly exactP99Ms: number;
  /** Share of queries whose graph top-1 identity is the exact top-1. */
  readonly recallAt1: number;
  /** The same over the queries exact search answers with an identity (what a user sees). */
  readonly recallAt1Matched: number;
  readonly firstRecallAt1Matched: number;
  readonly matchedQueries: number;
  /** Share of queries with the same open-set answer (identity or unknown). */
  readonly decisionAgreement: number;
  readonly firstDecisionAgreement: number;
  /** How many queries each step of identify() answered. */
  readonly steps: Record<AnnStep, number>;
  readonly queries: number;
  readonly realQueries: number;
  readonly buildS: number;
  readonly buildThreads: number;
  readonly ramBytesPerIdentity: number;
  readonly diskBytesPerIdentity: number;
}

interface RealEmbeddings {
  readonly enrolled: { identity: string; embedding: Float32Array }[];
  readonly queries: Float32Array[];
}

const area = (d: Detection): number => (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1);

/** fr_feature_512 embeddings of the dev photos: the first photo of each identity enrolled, the rest queries. */
export async function realDevEmbeddings(): Promise<RealEmbeddings> {
  const photos = await devPhotos();
  const identityOf = new Map(devSets().flatMap((s) => s.images).map((i) => [i.path, `${i.identity}`]));
  const pipeline = await createFacePipeline({ models: SCRFD_FR512(), backend: { threads: 2 } });
  const enrolled: RealEmbeddings['enrolled'] = [];
  const queries: Float32Array[] = [];
  const seen = new Set<string>();
  try {
    for (let i = 0; i < photos.frames.length; i++) {
      const frame = photos.frames[i]!;
      const face = (await pipeline.detect(frame)).sort((a, b) => area(b) - area(a))[0];
      if (!face) continue;
      const [embedding] = await pipeline.embed([pipeline.align(frame, face).crop]);
      const identity = identityOf.get(photos.paths[i]!) ?? photos.paths[i]!;
      // Every third dev identity stays out of the gallery: its photos are real strangers.
      const enrollable = [...identity].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 3 !== 0;
      if (enrollable && !seen.has(identity)) {
        seen.add(identity);
        enrolled.push({ identity: `real:${identity}`, embedding: embedding as Float32Array });
      } else queries.push(embedding as Float32Array);
    }
  } finally {
    await pipeline.dispose();
  }
  return { enrolled, queries };
}

function mix(a: Float32Array, wa: number, b: Float32Array, wb: number): Float32Array {
  const out = new Float32Array(a.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    out[i] = wa * a[i]! + wb * b[i]!;
    sum += out[i]! * out[i]!;
  }
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < a.length; i++) out[i]! *= inv;
  return out;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export async function runAnnBench(
  sizes: readonly number[],
  real: RealEmbeddings,
  log: (line: string) => void = () => undefined,
  variants: readonly { ef: number; wide?: number }[] = annBenchVariants(),
  search: Partial<AnnSearchSettings> = {},
): Promise<AnnBenchRow[]> {
  const rows: AnnBenchRow[] = [];
  for (const n of sizes) {
    const random = rng(31);
    const centres = Array.from({ length: CENTRES }, () => unitVector(DIM, random));
    // ~0.15 cosine between two identities of one cluster: sqrt(0.15) of the centre, the rest noise.
    const identityVector = (): Float32Array => mix(centres[Math.floor(random() * CENTRES)]!, Math.sqrt(0.15), unitVector(DIM, random), Math.sqrt(0.85));
    const index = new MatchIndex({ dim: DIM, storage: 'int8', initialCapacity: n, annMinTemplates: 0, annSearch: search });
    const synthetic = n - real.enrolled.length;
    const probeOf: number[] = [];
    const keep = new Map<number, Float32Array>();
    for (let i = 0; i < synthetic; i++) {
      const v = identityVector();
      if (i % Math.max(1, Math.floor(synthetic / 1000)) === 0 && keep.size < 1000) keep.set(i, v);
      index.add(`t${i}`, `p${i}`, v);
    }
    real.enrolled.forEach((r, i) => index.add(`r${i}`, r.identity, r.embedding));
    const queries: Float32Array[] = [...real.queries];
    for (const v of keep.values()) {
      queries.push(mix(v, 0.65, unitVector(DIM, random), Math.sqrt(1 - 0.65 ** 2)));
      probeOf.push(queries.length - 1);
    }
    for (let i = 0; i < 500; i++) queries.push(identityVector());
    log(`ann: ${n} identities filled; building the graph`);

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const graph = HnswIndex.create(DIM)!;
    const threads = buildThreads(index.size);
    const start = performance.now();
    index.fillHnsw(graph, threads);
    const buildS = (performance.now() - start) / 1000;
    const ramBytes = process.memoryUsage().rss - rssBefore;
    const dir = mkdtempSync(join(tmpdir(), 'arcedge-ann-bench-'));
    const file = join(dir, 'g.ann');
    graph.save(file);
    const diskBytes = statSync(file).size;
    log(`ann: ${n} built in ${buildS.toFixed(1)} s (${threads} threads); querying`);

    // Exact answers once per size (they do not depend on the graph), timed in the first variant.
    const exactOf: OpenSetDecision[] = [];
    const exactMs: number[] = [];
    const half = Math.floor(queries.length / 2);
    for (const [v, { ef, wide }] of variants.entries()) {
      // The saved graph, searched with list `ef` (usearch keeps the search list out of the file).
      index.attachHnsw(ef === graph.settings.expansionSearch ? graph : HnswIndex.load(file, DIM, { ...HNSW_DEFAULTS, expansionSearch: ef }));
      index.annSearch = { ...index.annSearch, ...(wide !== undefined ? { wideCandidates: wide } : {}) };
      const graphMs: number[] = [];
      const unknownMs: number[] = [];
      const matchedMs: number[] = [];
      const firstMs: number[] = [];
      const firstOf: OpenSetDecision[] = [];
      const steps: Record<AnnStep, number> = { exact: 0, first: 0, wide: 0, scan: 0 };
      let same1 = 0;
      let sameDecision = 0;
      let firstSameDecision = 0;
      let matched = 0;
      let sameMatched = 0;
      let firstSameMatched = 0;
      // The paths alternate per query so load from other processes hits them alike. The first
      // pass alone (the baseline) runs on another query than identify() just did (i + half), so
      // it does not find that query's graph nodes in the cache.
      for (let i = 0; i < queries.length; i++) {
        const q = queries[i]!;
        let t = performance.now();
        const approx = index.identify(q, OPEN_SET);
        const ms = performance.now() - t;
        graphMs.push(ms);
        steps[index.lastStep]++;
        if (v === 0) {
          t = performance.now();
          const hits = index.searchTemplates(q, 2);
          exactOf[i] = decideOpenSet(hits.map((h) => ({ identityId: h.identityId, score: h.score, bestTemplateId: h.templateId, templates: 1 })), OPEN_SET);
          exactMs.push(performance.now() - t);
        }
        const j = (i + half) % queries.length;
        t = performance.now();
        firstOf[j] = decideOpenSet(index.rank(queries[j]!, 2), OPEN_SET);
        firstMs.push(performance.now() - t);
        const exact = exactOf[i]!;
        if (approx.candidateId === exact.candidateId) same1++;
        if (exact.identityId !== null) {
          matched++;
          matchedMs.push(ms);
          if (approx.candidateId === exact.candidateId) sameMatched++;
        } else unknownMs.push(ms);
        if (approx.identityId === exact.identityId) sameDecision++;
      }
      queries.forEach((_, i) => {
        const exact = exactOf[i]!;
        if (exact.identityId !== null && firstOf[i]!.candidateId === exact.candidateId) firstSameMatched++;
        if (firstOf[i]!.identityId === exact.identityId) firstSameDecision++;
      });
      for (const list of [graphMs, unknownMs, matchedMs, firstMs]) list.sort((a, b) => a - b);
      const exactSorted = [...exactMs].sort((a, b) => a - b);
      rows.push({
        identities: n,
        ef,
        search: index.annSearch,
        graphP50Ms: percentile(graphMs, 0.5),
        graphP99Ms: percentile(graphMs, 0.99),
        graphUnknownP50Ms: unknownMs.length > 0 ? percentile(unknownMs, 0.5) : 0,
        graphMatchedP50Ms: matchedMs.length > 0 ? percentile(matchedMs, 0.5) : 0,
        firstP50Ms: percentile(firstMs, 0.5),
        firstP99Ms: percentile(firstMs, 0.99),
        exactP50Ms: percentile(exactSorted, 0.5),
        exactP99Ms: percentile(exactSorted, 0.99),
        recallAt1: same1 / queries.length,
        recallAt1Matched: matched > 0 ? sameMatched / matched : 1,
        firstRecallAt1Matched: matched > 0 ? firstSameMatched / matched : 1,
        matchedQueries: matched,
        decisionAgreement: sameDecision / queries.length,
        firstDecisionAgreement: firstSameDecision / queries.length,
        steps,
        queries: queries.length,
        realQueries: real.queries.length,
        buildS,
        buildThreads: threads,
        ramBytesPerIdentity: ramBytes / n,
        diskBytesPerIdentity: diskBytes / n,
      });
      log(`ann: ${JSON.stringify(rows.at(-1))}`);
    }
    rmSync(dir, { recursive: true, force: true });
    index.clear();
  }
  return rows;
}

/**
 * Settings to measure on one build: first-pass search lists (BENCH_ANN_EF=256,512) times wide-pass
 * lists (BENCH_ANN_WIDE=1024,2048); default the shipped ones.
 */
export function annBenchVariants(): { ef: number; wide?: number }[] {
  const list = (name: string): number[] | undefined => process.env[name]?.split(',').map(Number);
  const efs = list('BENCH_ANN_EF') ?? [HNSW_DEFAULTS.expansionSearch];
  const wides = list('BENCH_ANN_WIDE') ?? [ANN_SEARCH.wideCandidates];
  return efs.flatMap((ef) => wides.map((wide) => ({ ef, wide })));
}

export const annBenchSizes = (quick: boolean): number[] =>
  process.env.BENCH_ANN_SIZES ? process.env.BENCH_ANN_SIZES.split(',').map(Number) : quick ? [100_000] : [100_000, 1_000_000];

if (import.meta.url === `file://${process.argv[1]}`) {
  const real = await realDevEmbeddings();
  console.error(`ann: ${real.enrolled.length} real identities enrolled, ${real.queries.length} real queries`);
  const rows = await runAnnBench(annBenchSizes(false), real, (l) => console.error(l));
  console.log(JSON.stringify({ loadAverage: (await import('node:os')).loadavg(), rows }, null, 1));
}
