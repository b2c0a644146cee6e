/**
 * The float32 and int8 matrices live in WebAssembly memory so the SIMD kernels (wasm/scan.wat)
 * can scan them: test/bench/match-bench.ts measured them against the plain JS loops and the
 * memory-bandwidth bound (docs/gallery.md "Search speed"). One instance per matrix; its memory
 * holds, 16-byte aligned: the query, the output scores, the int8 scales, then the rows.
 * Growing makes a new, larger instance and copies (capacity doubles, so this is amortised).
 */
import { SCAN_WASM_BASE64 } from './wasm/scan-wasm.ts';

const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE; // wasm32: 4 GiB

// The project compiles without the DOM lib, so the few WebAssembly members used are typed here.
interface WasmModule { readonly __wasmModule?: never }
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;
function module(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(Buffer.from(SCAN_WASM_BASE64, 'base64')) : null;
    } catch {
      compiled = null; // no WebAssembly SIMD here: the JS kernels take over
    }
  }
  return compiled;
}

interface Exports {
  memory: WasmMemory;
  scan_f32(rows: number, count: number, dim: number, q: number, out: number): void;
  scan_i8(rows: number, scales: number, count: number, dim: number, q: number, out: number, qscale: number): void;
}

const align = (n: number): number => (n + 15) & ~15;

export class WasmArena {
  readonly dim: number;
  readonly int8: boolean;
  readonly capacity: number;
  readonly rows: Float32Array | Int8Array;
  readonly scales: Float32Array;
  readonly #exports: Exports;
  readonly #queryOff: number;
  readonly #outOff: number;
  readonly #scalesOff: number;
  readonly #rowsOff: number;

  private constructor(exports: Exports, dim: number, int8: boolean, capacity: number) {
    this.#exports = exports;
    this.dim = dim;
    this.int8 = int8;
    this.capacity = capacity;
    this.#queryOff = 0;
    this.#outOff = align(dim * 4);
    this.#scalesOff = this.#outOff + align(capacity * 4);
    this.#rowsOff = this.#scalesOff + align(capacity * 4);
    const buffer = exports.memory.buffer;
    this.scales = new Float32Array(buffer, this.#scalesOff, capacity);
    this.rows = int8 ? new Int8Array(buffer, this.#rowsOff, capacity * dim) : new Float32Array(buffer, this.#rowsOff, capacity * dim);
  }

  /** An arena, or undefined where WebAssembly SIMD is missing, dim is not a multiple of 16 (32 for int8), or it would pass 4 GiB. */
  static create(dim: number, int8: boolean, capacity: number): WasmArena | undefined {
    const mod = module();
    if (!mod || dim % (int8 ? 32 : 16) !== 0) return undefined;
    const bytes = align(dim * 4) + 2 * align(capacity * 4) + capacity * dim * (int8 ? 1 : 4);
    if (bytes > MAX_BYTES) return undefined;
    const instance = new wasm!.Instance(mod);
    const exports = instance.exports as unknown as Exports;
    const pages = Math.ceil(bytes / PAGE);
    const have = exports.memory.buffer.byteLength / PAGE;
    if (pages > have) exports.memory.grow(pages - have);
    return new WasmArena(exports, dim, int8, capacity);
  }

  /**
   * Puts the query where the kernels read it: float32 as it is, or for int8 rows quantised to
   * int16 with one scale (returned; 1 for float32). The largest magnitude maps to 32767,
   * capped so that no i32 lane of the kernel can overflow for this dim; the rounding moves a
   * score by ~1e-5, far below the int8 rows' own rounding.
   */
  #writeQuery(query: Float32Array): number {
    const buffer = this.#exports.memory.buffer;
    if (!this.int8) {
      new Float32Array(buffer, this.#queryOff, this.dim).set(query);
      return 1;
    }
    let max = 0;
    for (let i = 0; i < this.dim; i++) max = Math.max(max, Math.abs(query[i]!));
    // A lane sums dim/16 products of |row| <= 127 and |q| <= top (scan.wat): keep it below 2^31.
    const top = Math.min(32767, Math.floor((2 ** 31 * 16) / (127 * this.dim)) - 1);
    const scale = max === 0 ? 1 : max / top;
    const q16 = new Int16Array(buffer, this.#queryOff, this.dim);
    for (let i = 0; i < this.dim; i++) q16[i] = Math.round(query[i]! / scale);
    return scale;
  }

  /**
   * Scores of the listed rows only (the graph's candidates), through the same kernel as scan(),
   * so each equals the score a full scan gives that row bit for bit.
   */
  scanRows(rows: ArrayLike<number>, query: Float32Array, out: Float32Array): void {
    const buffer = this.#exports.memory.buffer;
    const qscale = this.#writeQuery(query);
    const result = new Float32Array(buffer, this.#outOff, 1);
    const rowBytes = this.int8 ? this.dim : this.dim * 4;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (this.int8) this.#exports.scan_i8(this.#rowsOff + r * rowBytes, this.#scalesOff + r * 4, 1, this.dim, this.#queryOff, this.#outOff, qscale);
      else this.#exports.scan_f32(this.#rowsOff + r * rowBytes, 1, this.dim, this.#queryOff, this.#outOff);
      out[i] = result[0]!;
    }
  }

  /** out[r] = score of row r, for r < count. */
  scan(count: number, query: Float32Array, out: Float32Array): void {
    const buffer = this.#exports.memory.buffer;
    const qscale = this.#writeQuery(query);
    if (this.int8) this.#exports.scan_i8(this.#rowsOff, this.#scalesOff, count, this.dim, this.#queryOff, this.#outOff, qscale);
    else this.#exports.scan_f32(this.#rowsOff, count, this.dim, this.#queryOff, this.#outOff);
    out.set(new Float32Array(buffer, this.#outOff, count));
  }
}
