/** Embedding vector maths. Embeddings are Float32Array; comparisons accumulate in float64. */
import { ArcEdgeError } from '../errors.ts';

/** Returns a new unit-length copy of `v` (a zero vector stays zero rather than becoming NaN). */
export function l2Normalize(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/**
 * Cosine similarity in [-1, 1]. Works on raw or normalised vectors; for the unit vectors the
 * embedder returns it equals the dot product.
 */
export function compare(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `cannot compare embeddings of length ${a.length} and ${b.length}`, {
      fix: 'compare embeddings produced by the same recognition model (same embedding size)',
    });
  }
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}
