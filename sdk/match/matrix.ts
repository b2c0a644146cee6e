/**
 * EmbeddingMatrix: every template's embedding in one contiguous row-major array (float32,
 * float16 or int8), so a search is one linear scan that streams memory at full speed. Rows are
 * appended at the end and removed by moving the last row into the hole (order is irrelevant
 * to an exact search), so removal is O(dim), not O(n).
 */
import { ArcEdgeError } from '../errors.ts';
import { halfTable, toHalf } from './float16.ts';
import { scanFloat16, scanFloat32, scanInt8 } from './kernels.ts';
import { WasmArena } from './wasm-arena.ts';
import { EMBEDDING_STORAGES, type EmbeddingStorage } from './types.ts';

export interface EmbeddingMatrixOptions {
  /** Embedding length (512 for fr_feature, 128 for MobileFaceNet). */
  readonly dim: number;
  readonly storage?: EmbeddingStorage;
  /** Rows to allocate up front (grows by doubling). */
  readonly initialCapacity?: number;
}

type Rows = Float32Array | Uint16Array | Int8Array;

export class EmbeddingMatrix {
  readonly dim: number;
  readonly storage: EmbeddingStorage;
  #rows: Rows;
  #scales: Float32Array;
  #arena: WasmArena | undefined;
  #count = 0;

  constructor(options: EmbeddingMatrixOptions) {
    const { dim, storage = 'float32', initialCapacity = 64 } = options;
    if (!Number.isInteger(dim) || dim <= 0) throw new ArcEdgeError('INVALID_ARGUMENT', `embedding dim must be a positive integer; got ${dim}`);
    if (!EMBEDDING_STORAGES.includes(storage)) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `storage "${String(storage)}" is not one of ${EMBEDDING_STORAGES.join(', ')}`);
    }
    this.dim = dim;
    this.storage = storage;
    const capacity = Math.max(1, initialCapacity);
    this.#arena = this.#newArena(capacity);
    this.#rows = this.#arena?.rows ?? this.#allocate(capacity);
    this.#scales = this.#arena?.scales ?? new Float32Array(capacity);
  }

  /** float32 and int8 rows live in WebAssembly memory when SIMD is available (wasm-arena.ts). */
  #newArena(capacity: number): WasmArena | undefined {
    return this.storage === 'float16' ? undefined : WasmArena.create(this.dim, this.storage === 'int8', capacity);
  }

  /** Which scan kernel this matrix uses: 'wasm-simd' or 'js'. */
  get kernel(): 'wasm-simd' | 'js' {
    return this.#arena ? 'wasm-simd' : 'js';
  }

  get size(): number {
    return this.#count;
  }

  /** Bytes the rows occupy (what one search streams). */
  get bytes(): number {
    return this.#count * this.dim * this.#rows.BYTES_PER_ELEMENT + (this.storage === 'int8' ? this.#count * 4 : 0);
  }

  #allocate(capacity: number): Rows {
    const n = capacity * this.dim;
    return this.storage === 'float32' ? new Float32Array(n) : this.storage === 'float16' ? new Uint16Array(n) : new Int8Array(n);
  }

  #grow(): void {
    const capacity = (this.#rows.length / this.dim) * 2;
    const arena = this.#newArena(capacity);
    const rows = arena?.rows ?? this.#allocate(capacity);
    rows.set(this.#rows.subarray(0, this.#count * this.dim) as never);
    const scales = arena?.scales ?? new Float32Array(capacity);
    scales.set(this.#scales.subarray(0, this.#count));
    this.#arena = arena;
    this.#rows = rows;
    this.#scales = scales;
  }

  /** Appends a row; returns its index. */
  push(embedding: ArrayLike<number>): number {
    if (embedding.length !== this.dim) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `embedding has ${embedding.length} values; this matrix holds ${this.dim}`, {
        fix: 'use embeddings from the model the gallery was built with (same embedding size)',
      });
    }
    if ((this.#count + 1) * this.dim > this.#rows.length) this.#grow();
    this.#write(this.#count, embedding);
    return this.#count++;
  }

  #write(row: number, v: ArrayLike<number>): void {
    const base = row * this.dim;
    const rows = this.#rows;
    if (rows instanceof Float32Array) {
      for (let i = 0; i < this.dim; i++) rows[base + i] = v[i]!;
    } else if (rows instanceof Uint16Array) {
      for (let i = 0; i < this.dim; i++) rows[base + i] = toHalf(v[i]!);
    } else {
      // Symmetric per-row scale: the largest magnitude maps to 127.
      let max = 0;
      for (let i = 0; i < this.dim; i++) max = Math.max(max, Math.abs(v[i]!));
      const scale = max === 0 ? 1 : max / 127;
      for (let i = 0; i < this.dim; i++) rows[base + i] = Math.round(v[i]! / scale);
      this.#scales[row] = scale;
    }
  }

  /** Removes row `index` by moving the last row into it; returns the index that moved (or -1). */
  swapRemove(index: number): number {
    if (index < 0 || index >= this.#count) throw new ArcEdgeError('INVALID_ARGUMENT', `row ${index} is out of range (size ${this.#count})`);
    const last = this.#count - 1;
    if (index !== last) {
      this.#rows.copyWithin(index * this.dim, last * this.dim, (last + 1) * this.dim);
      this.#scales[index] = this.#scales[last]!;
    }
    this.#count = last;
    return index === last ? -1 : last;
  }

  clear(): void {
    this.#count = 0;
  }

  /** out[r] = cosine(row r, query) for every row; `query` must be unit length. */
  scores(query: Float32Array, out = new Float32Array(this.#count)): Float32Array {
    if (query.length !== this.dim) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `probe embedding has ${query.length} values; the gallery holds ${this.dim}`, {
        fix: 'embed the probe with the model the gallery was built with (see its metadata: model id, embedding size)',
      });
    }
    const rows = this.#rows;
    if (this.#arena) this.#arena.scan(this.#count, query, out);
    else if (rows instanceof Float32Array) scanFloat32(rows, this.#count, this.dim, query, out);
    else if (rows instanceof Uint16Array) scanFloat16(rows, this.#count, this.dim, query, out, halfTable());
    else scanInt8(rows, this.#scales, this.#count, this.dim, query, out);
    return out;
  }

  /**
   * Scores of the listed rows against `query`, through the same kernel as scores(), so each equals
   * what a full scan gives that row (the graph's candidates are re-scored with it).
   */
  scoreRows(indices: ArrayLike<number>, query: Float32Array, out = new Float32Array(indices.length)): Float32Array {
    if (query.length !== this.dim) this.scores(query); // throws the typed error
    if (this.#arena) {
      this.#arena.scanRows(indices, query, out);
      return out;
    }
    const rows = this.#rows;
    const one = new Float32Array(1);
    for (let i = 0; i < indices.length; i++) {
      const base = indices[i]! * this.dim;
      const row = rows.subarray(base, base + this.dim);
      if (row instanceof Float32Array) scanFloat32(row, 1, this.dim, query, one);
      else if (row instanceof Uint16Array) scanFloat16(row, 1, this.dim, query, one, halfTable());
      else scanInt8(row, this.#scales.subarray(indices[i]!), 1, this.dim, query, one);
      out[i] = one[0]!;
    }
    return out;
  }

  /** Row `index` decoded to float32 (what the search actually sees, after rounding). */
  row(index: number): Float32Array {
    const out = new Float32Array(this.dim);
    const base = index * this.dim;
    const rows = this.#rows;
    const table = rows instanceof Uint16Array ? halfTable() : undefined;
    for (let i = 0; i < this.dim; i++) {
      const v = rows[base + i]!;
      out[i] = table ? table[v]! : rows instanceof Int8Array ? v * this.#scales[index]! : v;
    }
    return out;
  }
}
