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
  scan_i8(rows: number, scales: number, count: number, dim: number, q: number, out: number): void;
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

  /** An arena, or undefined where WebAssembly SIMD is missing, dim is not a multiple of 16, or it would pass 4 GiB. */
  static create(dim: number, int8: boolean, capacity: number): WasmArena | undefined {
    const mod = module();
    if (!mod || dim % 16 !== 0) return undefined;
    const bytes = align(dim * 4) + 2 * align(capacity * 4) + capacity * dim * (int8 ? 1 : 4);
    if (bytes > MAX_BYTES) return undefined;
    const instance = new wasm!.Instance(mod);
    const exports = instance.exports as unknown as Exports;
    const pages = Math.ceil(bytes / PAGE);
    const have = exports.memory.buffer.byteLength / PAGE;
    if (pages > have) exports.memory.grow(pages - have);
    return new WasmArena(exports, dim, int8, capacity);
  }

  /** out[r] = score of row r, for r < count. */
  scan(count: number, query: Float32Array, out: Float32Array): void {
    const buffer = this.#exports.memory.buffer;
    new Float32Array(buffer, this.#queryOff, this.dim).set(query);
    if (this.int8) this.#exports.scan_i8(this.#rowsOff, this.#scalesOff, count, this.dim, this.#queryOff, this.#outOff);
    else this.#exports.scan_f32(this.#rowsOff, count, this.dim, this.#queryOff, this.#outOff);
    out.set(new Float32Array(buffer, this.#outOff, count));
  }
}
