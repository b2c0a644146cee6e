/**
 * The open-set decision: an identity, or unknown. A probe is unknown when its best identity
 * scores below the threshold (a stranger) or when the two best identities are closer than the
 * margin (the gallery cannot tell them apart, and guessing is how strangers get matched).
 */
import type { IdentityScore, OpenSetDecision, OpenSetOptions } from './types.ts';

export function decideOpenSet(ranked: readonly IdentityScore[], options: OpenSetOptions): OpenSetDecision {
  const [best, second] = ranked;
  if (!best) return { identityId: null, score: 0, margin: 0, candidateId: null, reason: 'empty-gallery' };
  const margin = best.score - Math.max(second?.score ?? 0, 0);
  if (best.score < options.threshold) {
    return { identityId: null, score: best.score, margin, candidateId: best.identityId, reason: 'below-threshold' };
  }
  if (second && margin < options.margin) {
    return { identityId: null, score: best.score, margin, candidateId: best.identityId, reason: 'ambiguous' };
  }
  return { identityId: best.identityId, score: best.score, margin, candidateId: best.identityId, reason: 'match' };
}
