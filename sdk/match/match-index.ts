/**
 * MatchIndex: the in-memory search a gallery keeps beside its store. Templates (id, identity,
 * embedding) in one EmbeddingMatrix; search() is an exact scan of every row, then per-identity
 * aggregation, then the open-set decision. With an HNSW graph attached (large galleries, 'best'
 * aggregation) the graph proposes candidate templates and only those are scored exactly.
 */
import { ArcEdgeError } from '../errors.ts';
import { rankIdentities } from './aggregate.ts';
import { topK } from './top-k.ts';
import { decideOpenSet } from './decide.ts';
import { buildThreads, type HnswIndex } from './hnsw.ts';
import { EmbeddingMatrix } from './matrix.ts';
import type { Aggregation, EmbeddingStorage, IdentityScore, OpenSetDecision, OpenSetOptions, TemplateHit } from './types.ts';

export interface MatchIndexOptions {
  readonly dim: number;
  readonly storage?: EmbeddingStorage;
  readonly aggregation?: Aggregation;
  /** trimmed-mean only: fraction of template scores dropped from each end. */
  readonly trimFraction?: number;
  readonly initialCapacity?: number;
  /**
   * Use an attached HNSW graph only from this many templates on; below it the exact scan is
   * as fast (measured crossover, docs/gallery.md "Large galleries"). Default ANN_MIN_TEMPLATES.
   */
  readonly annMinTemplates?: number;
  /** Graph search settings (default ANN_SEARCH); the bench tunes them. */
  readonly annSearch?: Partial<AnnSearchSettings>;
}

/**
 * Templates from which the graph is used. At 100k x 512 identify() on the graph (first pass, wide
 * pass for strangers) took 7.3 ms p50 against 10.3 ms for the exact int8 scan in the same loop,
 * strangers 27 ms (load ~7): the two meet around here, and below it a graph is not worth its
 * build time at open (100k: ~1.5 min on 2 loaded cores). test/bench/ann-bench.ts.
 */
export const ANN_MIN_TEMPLATES = 100_000;

/**
 * How identify() searches the graph (test/bench/ann-bench.ts measures each setting against the
 * exact scan). The open-set answer turns on the best identity and, for the margin, the second:
 * - a first pass proposes `candidates` templates (its search list is the graph's expansionSearch),
 *   all re-scored exactly. A clear match (its margin over the second identity at least the margin
 *   plus `boundary`) stands: a template the graph missed would have to score within that of the
 *   best, and the graph does not miss the query's nearest neighbours at that distance.
 * - Anything else (unknown, ambiguous, or a match near the margin) may be a genuine probe whose
 *   identity the first pass missed: a second pass with a `wideCandidates` search list (usearch
 *   widens its list to k when k is larger) re-scores that many templates exactly.
 * - A wide answer within `boundary` of the threshold or the margin is settled by the exact scan:
 *   those are the queries where one missed template flips the decision.
 * rank() uses the first pass only.
 */
export interface AnnSearchSettings {
  readonly candidates: number;
  readonly wideCandidates: number;
  /** Cosine distance from the threshold or margin under which a graph answer is not trusted. */
  readonly boundary: number;
}

export const ANN_SEARCH: AnnSearchSettings = { candidates: 64, wideCandidates: 1024, boundary: 0.02 };

/** Which step of identify() answered (the bench counts them). */
export type AnnStep = 'exact' | 'first' | 'wide' | 'scan';

export class MatchIndex {
  readonly matrix: EmbeddingMatrix;
  readonly aggregation: Aggregation;
  readonly trimFraction: number;
  #templateIds: string[] = [];
  #labels = new Int32Array(64);
  #rowOf = new Map<string, number>();
  #identityOrdinal = new Map<string, number>();
  #identityIds: string[] = [];
  #scores = new Float32Array(0);
  /** Row -> stable key (the graph's id for the row; rows move on removal, keys do not). */
  #keyOfRow = new Float64Array(64);
  #rowOfKey = new Map<number, number>();
  #nextKey = 0;
  #ann: HnswIndex | undefined;
  readonly annMinTemplates: number;
  annSearch: AnnSearchSettings;
  /** The step that answered the last identify() (for the bench). */
  lastStep: AnnStep = 'exact';

  constructor(options: MatchIndexOptions) {
    this.matrix = new EmbeddingMatrix(options);
    this.aggregation = options.aggregation ?? 'best';
    this.trimFraction = options.trimFraction ?? 0.2;
    this.annMinTemplates = options.annMinTemplates ?? ANN_MIN_TEMPLATES;
    this.annSearch = { ...ANN_SEARCH, ...options.annSearch };
  }

  get dim(): number {
    return this.matrix.dim;
  }
  get size(): number {
    return this.matrix.size;
  }
  get identities(): number {
    return new Set(this.#templateIds.map((_, r) => this.#labels[r])).size;
  }

  /**
   * `key`: a stable non-negative integer naming the template in an HNSW graph (the gallery passes
   * the template's SQLite rowid so a saved graph matches across restarts); default the next free one.
   */
  add(templateId: string, identityId: string, embedding: ArrayLike<number>, key = this.#nextKey): void {
    if (this.#rowOf.has(templateId)) throw new ArcEdgeError('INVALID_ARGUMENT', `template ${templateId} is already in the index`);
    if (!Number.isSafeInteger(key) || key < 0 || this.#rowOfKey.has(key)) throw new ArcEdgeError('INVALID_ARGUMENT', `template key ${key} is not a free non-negative integer`);
    const row = this.matrix.push(embedding);
    let ordinal = this.#identityOrdinal.get(identityId);
    if (ordinal === undefined) {
      ordinal = this.#identityIds.length;
      this.#identityIds.push(identityId);
      this.#identityOrdinal.set(identityId, ordinal);
    }
    if (row >= this.#labels.length) {
      const labels = new Int32Array(this.#labels.length * 2);
      labels.set(this.#labels);
      this.#labels = labels;
      const keys = new Float64Array(labels.length);
      keys.set(this.#keyOfRow);
      this.#keyOfRow = keys;
    }
    this.#labels[row] = ordinal;
    this.#templateIds[row] = templateId;
    this.#rowOf.set(templateId, row);
    this.#keyOfRow[row] = key;
    this.#rowOfKey.set(key, row);
    this.#nextKey = Math.max(this.#nextKey, key + 1);
    this.#ann?.add([key], Float32Array.from(embedding));
  }

  /** The stable key of row `row` (what an attached graph returns). */
  keyOfRow(row: number): number {
    return this.#keyOfRow[row]!;
  }

  /** The attached graph, if any (the gallery saves it beside its file). */
  get hnsw(): HnswIndex | undefined {
    return this.#ann;
  }

  /** 'hnsw' when rank()/identify() go through the graph, else 'exact'. */
  get searchPath(): 'hnsw' | 'exact' {
    return this.#ann && this.aggregation === 'best' && this.size >= this.annMinTemplates ? 'hnsw' : 'exact';
  }

  /**
   * Attaches a graph that holds exactly this index's keys (a fresh build, or one loaded after its
   * fingerprint matched); from then on add() and remove() keep it in step. undefined detaches.
   */
  attachHnsw(graph: HnswIndex | undefined): void {
    if (graph && graph.dim !== this.dim) throw new ArcEdgeError('INVALID_ARGUMENT', `HNSW graph has ${graph.dim} dimensions; this index holds ${this.dim}`);
    this.#ann = graph;
  }

  /**
   * Inserts every row into `graph` (decoded as the exact scan sees it), in chunks to bound memory.
   * `threads` defaults to buildThreads(size): one (deterministic) below PARALLEL_BUILD_MIN.
   */
  fillHnsw(graph: HnswIndex, threads = buildThreads(this.size)): void {
    const chunk = 8192;
    const vectors = new Float32Array(chunk * this.dim);
    for (let start = 0; start < this.size; start += chunk) {
      const n = Math.min(chunk, this.size - start);
      for (let i = 0; i < n; i++) vectors.set(this.matrix.row(start + i), i * this.dim);
      graph.add(this.#keyOfRow.subarray(start, start + n), vectors.subarray(0, n * this.dim), threads);
    }
  }

  has(templateId: string): boolean {
    return this.#rowOf.has(templateId);
  }

  remove(templateId: string): boolean {
    const row = this.#rowOf.get(templateId);
    if (row === undefined) return false;
    const key = this.#keyOfRow[row]!;
    const moved = this.matrix.swapRemove(row);
    this.#rowOf.delete(templateId);
    this.#rowOfKey.delete(key);
    this.#ann?.remove(key);
    if (moved >= 0) {
      const movedId = this.#templateIds[moved]!;
      this.#templateIds[row] = movedId;
      this.#labels[row] = this.#labels[moved]!;
      this.#rowOf.set(movedId, row);
      this.#keyOfRow[row] = this.#keyOfRow[moved]!;
      this.#rowOfKey.set(this.#keyOfRow[row]!, row);
    }
    this.#templateIds.length = this.matrix.size;
    return true;
  }

  /** Removes every template of an identity; returns how many. */
  removeIdentity(identityId: string): number {
    const ordinal = this.#identityOrdinal.get(identityId);
    if (ordinal === undefined) return 0;
    const doomed = this.#templateIds.filter((_, r) => this.#labels[r] === ordinal);
    for (const t of doomed) this.remove(t);
    return doomed.length;
  }

  clear(): void {
    this.matrix.clear();
    this.#templateIds = [];
    this.#rowOf.clear();
    this.#identityOrdinal.clear();
    this.#identityIds = [];
    this.#rowOfKey.clear();
    this.#ann = undefined;
  }

  #scan(query: Float32Array): Float32Array {
    if (this.#scores.length < this.size) this.#scores = new Float32Array(Math.max(this.size, this.#scores.length * 2));
    return this.matrix.scores(query, this.#scores.subarray(0, this.size));
  }

  /** The k best templates (exact). */
  searchTemplates(query: Float32Array, k = 1): TemplateHit[] {
    const scores = this.#scan(query);
    const best = topK(scores, k);
    return best.map((r) => ({ templateId: this.#templateIds[r]!, identityId: this.#identityIds[this.#labels[r]!]!, score: scores[r]! }));
  }

  /** The k best identities after per-identity aggregation (exact). */
  rank(query: Float32Array, k = 2): IdentityScore[] {
    if (this.searchPath === 'hnsw') return this.#rankCandidates(query, k, this.annSearch.candidates);
    return this.#rankExact(query, k);
  }

  #rankExact(query: Float32Array, k: number): IdentityScore[] {
    const scores = this.#scan(query);
    return rankIdentities(scores, this.#labels.subarray(0, this.size), this.#identityIds, this.#templateIds, k, {
      aggregation: this.aggregation,
      trimFraction: this.trimFraction,
    });
  }

  /**
   * 'best' aggregation over the graph's candidates: each candidate template is scored exactly
   * (same matrix, same rounding as the scan), so a returned score equals the exact one whenever
   * the identity's best template is among the candidates. A key the index no longer holds (a
   * template removed from the graph lazily) is skipped: only live templates can be returned.
   */
  #rankCandidates(query: Float32Array, k: number, candidates: number): IdentityScore[] {
    if (query.length !== this.dim) this.matrix.scores(query); // throws the scan's typed error
    const rows: number[] = [];
    for (const key of this.#ann!.search(query, Math.max(candidates, 4 * k))) {
      const row = this.#rowOfKey.get(key);
      if (row !== undefined) rows.push(row);
    }
    const scores = this.matrix.scoreRows(rows, query);
    const best = new Map<number, { score: number; row: number; templates: number }>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const score = scores[i]!;
      const label = this.#labels[row]!;
      const seen = best.get(label);
      if (!seen) best.set(label, { score, row, templates: 1 });
      else {
        seen.templates++;
        if (score > seen.score) {
          seen.score = score;
          seen.row = row;
        }
      }
    }
    return [...best.entries()]
      .sort((a, b) => b[1].score - a[1].score)
      .slice(0, k)
      .map(([label, hit]) => ({ identityId: this.#identityIds[label]!, score: hit.score, bestTemplateId: this.#templateIds[hit.row]!, templates: hit.templates }));
  }

  /** The open-set decision; on the graph, in the steps ANN_SEARCH describes. */
  identify(query: Float32Array, options: OpenSetOptions): OpenSetDecision {
    if (this.searchPath !== 'hnsw') {
      this.lastStep = 'exact';
      return decideOpenSet(this.#rankExact(query, 2), options);
    }
    const { candidates, wideCandidates, boundary } = this.annSearch;
    const first = decideOpenSet(this.#rankCandidates(query, 2, candidates), options);
    this.lastStep = 'first';
    if (first.identityId !== null && first.margin >= options.margin + boundary) return first;
    if (wideCandidates <= candidates) {
      this.lastStep = 'scan';
      return decideOpenSet(this.#rankExact(query, 2), options);
    }
    const wide = decideOpenSet(this.#rankCandidates(query, 2, wideCandidates), options);
    this.lastStep = 'wide';
    const nearThreshold = Math.abs(wide.score - options.threshold) < boundary;
    const nearMargin = wide.score >= options.threshold - boundary && Math.abs(wide.margin - options.margin) < boundary;
    if (!nearThreshold && !nearMargin) return wide;
    this.lastStep = 'scan';
    return decideOpenSet(this.#rankExact(query, 2), options);
  }
}
