/**
 * HNSW graph for large galleries: the only import of `usearch` (Apache-2.0, prebuilt N-API
 * binaries for linux x64 and arm64 inside its npm tarball, save/load, remove). Chosen by
 * measurement against hnswlib-node (no prebuilt binaries, single-thread inserts from JS arrays,
 * ~10x slower build and ~2x slower queries at the same recall) and faiss-node (its install
 * downloads binaries from outside the npm registry): docs/gallery.md "Large galleries".
 *
 * Vectors are held as int8 in the graph (what usearch calls `i8` quantization): a quarter of the
 * memory of float32 and the fastest build here. The graph only proposes candidates; MatchIndex
 * re-scores them exactly against its own matrix, so int8 rounding moves no final score.
 */
import { createRequire } from 'node:module';
import { ArcEdgeError } from '../errors.ts';

/** The part of usearch's Index used here (the package's own .d.ts is not on our type path). */
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array };
  remove(keys: BigUint64Array): number | number[];
  size(): number;
  save(path: string): void;
  load(path: string): void;
  dimensions(): number;
}
interface UsearchModule {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
  }) => UsearchIndex;
}

let loaded: UsearchModule | null | undefined;
let loadError = '';

/** usearch, or null where its binary cannot load here (MatchIndex then stays on the exact scan). */
function usearch(): UsearchModule | null {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('usearch') as UsearchModule;
    } catch (error) {
      loaded = null;
      loadError = error instanceof Error ? error.message : String(error);
    }
  }
  return loaded;
}

/** Why HNSW is unavailable ('' when it is available). */
export function hnswUnavailableReason(): string {
  return usearch() ? '' : `usearch did not load: ${loadError}`;
}

export interface HnswSettings {
  /** Graph degree (usearch connectivity, hnswlib M). */
  readonly connectivity: number;
  /** Candidate list while inserting (hnswlib efConstruction). */
  readonly expansionAdd: number;
  /** Candidate list while searching (hnswlib ef). */
  readonly expansionSearch: number;
}

/**
 * Measured on the bench's clustered 512-d set (docs/gallery.md "Large galleries"): at 20k,
 * efConstruction 64 builds in half the time of 128 with the same recall when searched with
 * ef >= 256. On 2 loaded cores the build is the binding cost (100k took 6 min at efConstruction
 * 128), so 64. Genuine-probe recall@1 against exact at 100k: ef 256 0.982, ef 512 0.997, ef 1024
 * 1.000 (p50 4.5 / 6.7 / 9.5 ms at load ~9). Since identify() runs a wide pass for whatever the
 * first pass does not settle as a clear match (match-index.ts ANN_SEARCH), the search list only
 * decides how many genuine probes need it: at 100k, ef 128 / 256 / 512 left 6.7% / 1.2% / 0.2% of
 * them to the wide pass, and identify() gave recall and decision agreement 1.000 with ef 128 and
 * 256 alike (p50 7.5 / 7.3 ms, p99 76 / 50 ms, load ~7; docs/performance.md), so 256.
 */
export const HNSW_DEFAULTS: HnswSettings = { connectivity: 16, expansionAdd: 64, expansionSearch: 256 };

/**
 * Inserting uses both cores of the target devices; searching stays on the calling thread.
 * Threaded insertion is not deterministic (each usearch thread context draws node levels from its
 * own default-seeded generator and links against whatever its peers inserted so far), so the graph,
 * and with it which candidates a query gets, would change from one build to the next. Below
 * PARALLEL_BUILD_MIN templates a build is one thread, in key order: the same gallery always gets the
 * same graph (the tests that compare graph and exact answers rely on it), and at that size the build
 * takes seconds anyway. Large galleries, where the build is the binding cost, use both cores.
 */
const BUILD_THREADS = 2;
export const PARALLEL_BUILD_MIN = 50_000;

/** Threads for building a graph of `templates` rows (see PARALLEL_BUILD_MIN). */
export const buildThreads = (templates: number): number => (templates >= PARALLEL_BUILD_MIN ? BUILD_THREADS : 1);

/**
 * usearch stores an i8 value as round(x * 127), made for values spread over [-1, 1]. The
 * components of a unit vector are ~1/sqrt(dim) (0.044 at 512), which would leave ~6 levels and
 * cost recall (measured: the exact best missed from 64 candidates in 3 of 600 probes at 128-d).
 * Every vector is scaled by sqrt(dim)/4 first: inner-product order is unchanged, a typical
 * component maps to ~32 levels, and only components beyond 4/sqrt(dim) (4 sigma) clip, which
 * can only cost a candidate, never a wrong score (candidates are re-scored exactly).
 */
const spread = (dim: number): number => Math.sqrt(dim) / 4;

export class HnswIndex {
  readonly dim: number;
  readonly settings: HnswSettings;
  readonly #index: UsearchIndex;
  readonly #scale: number;
  #keys = new BigUint64Array(1);
  #query: Float32Array;

  private constructor(index: UsearchIndex, dim: number, settings: HnswSettings) {
    this.#index = index;
    this.dim = dim;
    this.settings = settings;
    this.#scale = spread(dim);
    this.#query = new Float32Array(dim);
  }

  #scaled(vectors: Float32Array): Float32Array {
    const out = new Float32Array(vectors.length);
    for (let i = 0; i < vectors.length; i++) out[i] = vectors[i]! * this.#scale;
    return out;
  }

  /** An empty graph, or undefined where usearch is unavailable (hnswUnavailableReason()). */
  static create(dim: number, settings: HnswSettings = HNSW_DEFAULTS): HnswIndex | undefined {
    const lib = usearch();
    if (!lib) return undefined;
    const index = new lib.Index({
      dimensions: dim,
      metric: 'ip',
      quantization: 'i8',
      connectivity: settings.connectivity,
      expansion_add: settings.expansionAdd,
      expansion_search: settings.expansionSearch,
      multi: false,
    });
    return new HnswIndex(index, dim, settings);
  }

  /** Loads a graph saved with save(); throws when the file is not one (the caller rebuilds). */
  static load(path: string, dim: number, settings: HnswSettings = HNSW_DEFAULTS): HnswIndex | undefined {
    const graph = HnswIndex.create(dim, settings);
    if (!graph) return undefined;
    graph.#index.load(path);
    if (graph.#index.dimensions() !== dim) throw new ArcEdgeError('GALLERY_CORRUPT', `the search graph ${path} has ${graph.#index.dimensions()} dimensions, expected ${dim}`, { fix: 'nothing to do: the gallery rebuilds its search graph when it opens' });
    return graph;
  }

  get size(): number {
    return this.#index.size();
  }

  /**
   * Adds `keys.length` rows of `vectors` (row-major, unit length), in key order on one thread
   * unless `threads` says otherwise (buildThreads()).
   */
  add(keys: readonly number[] | Float64Array, vectors: Float32Array, threads = 1): void {
    if (keys.length === 0) return;
    this.#index.add(BigUint64Array.from(keys, (k) => BigInt(k)), this.#scaled(vectors), keys.length > 1 ? threads : 1);
  }

  remove(key: number): void {
    this.#keys[0] = BigInt(key);
    this.#index.remove(this.#keys);
  }

  /** Keys of up to k nearest rows by inner product, best first. */
  search(query: Float32Array, k: number): number[] {
    for (let i = 0; i < this.dim; i++) this.#query[i] = query[i]! * this.#scale;
    const { keys } = this.#index.search(this.#query, k, 1);
    const out: number[] = [];
    for (const key of keys) out.push(Number(key));
    return out;
  }

  save(path: string): void {
    this.#index.save(path);
  }
}
