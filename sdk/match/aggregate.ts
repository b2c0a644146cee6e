/** Per-identity aggregation of template scores, then ranking. */
import { topK } from './top-k.ts';
import type { Aggregation, IdentityScore } from './types.ts';

export interface AggregateOptions {
  readonly aggregation: Aggregation;
  /** trimmed-mean: fraction dropped from each end (default 0.2); needs 3+ templates to trim. */
  readonly trimFraction?: number;
}

/**
 * Identity scores, best first, at most `k` of them. `labels[r]` is row r's identity ordinal,
 * `identityIds[ordinal]` its id, `templateIds[r]` its template id.
 */
export function rankIdentities(
  scores: Float32Array,
  labels: Int32Array,
  identityIds: readonly string[],
  templateIds: readonly string[],
  k: number,
  options: AggregateOptions,
): IdentityScore[] {
  const n = identityIds.length;
  const bestScore = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const bestRow = new Int32Array(n).fill(-1);
  const counts = new Int32Array(n);
  for (let r = 0; r < scores.length; r++) {
    const id = labels[r]!;
    counts[id]!++;
    if (scores[r]! > bestScore[id]!) {
      bestScore[id] = scores[r]!;
      bestRow[id] = r;
    }
  }
  let final: Float64Array = bestScore;
  if (options.aggregation === 'trimmed-mean') final = trimmedMeans(scores, labels, counts, options.trimFraction ?? 0.2);
  return topIdentities(final, counts, k).map((i) => ({ identityId: identityIds[i]!, score: final[i]!, bestTemplateId: templateIds[bestRow[i]!]!, templates: counts[i]! }));
}

/**
 * The k best identities (ordinals with templates), best first, ties in ordinal order (what a stable
 * sort gives). A partial selection for small k: sorting every identity cost ~150 ms per query at
 * 100k identities (test/bench/ann-bench.ts, the exact step), against ~1 ms for this pass.
 */
function topIdentities(final: Float64Array, counts: Int32Array, k: number): number[] {
  const n = counts.length;
  if (k > 64) {
    const order: number[] = [];
    for (let i = 0; i < n; i++) if (counts[i]! > 0) order.push(i);
    return order.sort((a, b) => final[b]! - final[a]!).slice(0, k);
  }
  if (k <= 0) return [];
  // Identities without templates score -Infinity (bestScore and trimmedMeans start there): they can
  // only fill places no identity with templates takes, and are dropped here.
  return topK(final, k).filter((i) => counts[i]! > 0);
}

function trimmedMeans(scores: Float32Array, labels: Int32Array, counts: Int32Array, trimFraction: number): Float64Array {
  const groups: number[][] = Array.from({ length: counts.length }, () => []);
  for (let r = 0; r < scores.length; r++) groups[labels[r]!]!.push(scores[r]!);
  const out = new Float64Array(counts.length).fill(Number.NEGATIVE_INFINITY);
  groups.forEach((g, i) => {
    if (g.length === 0) return;
    g.sort((a, b) => a - b);
    const drop = g.length >= 3 ? Math.floor(g.length * trimFraction) : 0;
    const kept = g.slice(drop, g.length - drop);
    out[i] = kept.reduce((s, v) => s + v, 0) / kept.length;
  });
  return out;
}
