/** Partial top-k selection shared by the exact scan and identity ranking. */

/**
 * Indices of the k largest scores, best first, ties in index order (a partial selection, O(n k)):
 * the exact scan's rows (match-index.ts) and the ranked identities (aggregate.ts).
 */
export function topK(scores: Float32Array | Float64Array, k: number): number[] {
  const best: number[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < scores.length; r++) {
    const s = scores[r]!;
    if (best.length === k && s <= floor) continue;
    let i = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(r);
    while (i > 0 && scores[best[i - 1]!]! < s) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = r;
    if (best.length === k) floor = scores[best[k - 1]!]!;
  }
  return best;
}
