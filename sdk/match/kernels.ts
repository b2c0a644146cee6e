/**
 * The scan kernels: one dot product per stored row against one probe, written into `out`.
 * Plain JavaScript over typed arrays, unrolled by 4 so V8's optimising compiler keeps four
 * independent accumulators in registers. test/bench/match-bench.ts measured the candidates
 * against the memory-bandwidth bound on the same run (docs/gallery.md "Search speed"); these
 * are the ones that won. The three loops are deliberately written out per element type: one
 * generic loop over a union of typed arrays goes megamorphic in V8 and loses most of its speed.
 */

/** out[r] = dot(rows[r], query) for r < count; rows is row-major count x dim float32. */
export function scanFloat32(rows: Float32Array, count: number, dim: number, query: Float32Array, out: Float32Array): void {
  const tail = dim & ~3;
  for (let r = 0, base = 0; r < count; r++, base += dim) {
    let a = 0, b = 0, c = 0, d = 0;
    let i = 0;
    for (; i < tail; i += 4) {
      a += rows[base + i]! * query[i]!;
      b += rows[base + i + 1]! * query[i + 1]!;
      c += rows[base + i + 2]! * query[i + 2]!;
      d += rows[base + i + 3]! * query[i + 3]!;
    }
    for (; i < dim; i++) a += rows[base + i]! * query[i]!;
    out[r] = a + b + c + d;
  }
}

/** As scanFloat32 for float16 bits decoded through `table` (float16.ts halfTable()). */
export function scanFloat16(rows: Uint16Array, count: number, dim: number, query: Float32Array, out: Float32Array, table: Float32Array): void {
  const tail = dim & ~3;
  for (let r = 0, base = 0; r < count; r++, base += dim) {
    let a = 0, b = 0, c = 0, d = 0;
    let i = 0;
    for (; i < tail; i += 4) {
      a += table[rows[base + i]!]! * query[i]!;
      b += table[rows[base + i + 1]!]! * query[i + 1]!;
      c += table[rows[base + i + 2]!]! * query[i + 2]!;
      d += table[rows[base + i + 3]!]! * query[i + 3]!;
    }
    for (; i < dim; i++) a += table[rows[base + i]!]! * query[i]!;
    out[r] = a + b + c + d;
  }
}

/** As scanFloat32 for int8 rows with one scale per row (value = q * scale). */
export function scanInt8(rows: Int8Array, scales: Float32Array, count: number, dim: number, query: Float32Array, out: Float32Array): void {
  const tail = dim & ~3;
  for (let r = 0, base = 0; r < count; r++, base += dim) {
    let a = 0, b = 0, c = 0, d = 0;
    let i = 0;
    for (; i < tail; i += 4) {
      a += rows[base + i]! * query[i]!;
      b += rows[base + i + 1]! * query[i + 1]!;
      c += rows[base + i + 2]! * query[i + 2]!;
      d += rows[base + i + 3]! * query[i + 3]!;
    }
    for (; i < dim; i++) a += rows[base + i]! * query[i]!;
    out[r] = (a + b + c + d) * scales[r]!;
  }
}
