/**
 * The project's one seeded 0..1 generator (mulberry32, Tommy Ettinger's public-domain 32-bit
 * mixer): small, fast and the same on every platform, so a seed names the same pairs
 * (`pack-pairs`), the same degraded copies (tools/eval/degraded-set.ts) and the same test data
 * (test/helpers/random.ts) everywhere.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
