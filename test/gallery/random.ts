/** Seeded random unit vectors for the search tests and the bench (mulberry32 + Box-Muller). */
import { rng } from '../helpers/random.ts';

export { rng };

export function unitVector(dim: number, random: () => number): Float32Array {
  const v = new Float32Array(dim);
  let sum = 0;
  for (let i = 0; i < dim; i += 2) {
    const r = Math.sqrt(-2 * Math.log(random() || 1e-12));
    const theta = 2 * Math.PI * random();
    v[i] = r * Math.cos(theta);
    if (i + 1 < dim) v[i + 1] = r * Math.sin(theta);
  }
  for (let i = 0; i < dim; i++) sum += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < dim; i++) v[i]! *= inv;
  return v;
}

/** A vector at cosine ~`similarity` to `base` (mix with fresh noise, renormalised). */
export function near(base: Float32Array, similarity: number, random: () => number): Float32Array {
  const noise = unitVector(base.length, random);
  const out = new Float32Array(base.length);
  const w = Math.sqrt(1 - similarity * similarity);
  let sum = 0;
  for (let i = 0; i < base.length; i++) {
    out[i] = similarity * base[i]! + w * noise[i]!;
    sum += out[i]! * out[i]!;
  }
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < base.length; i++) out[i]! *= inv;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
