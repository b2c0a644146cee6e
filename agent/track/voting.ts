/**
 * Per-track identity voting. Each embedded frame casts one vote: the gallery's best match (or
 * nobody, below the threshold) with its cosine score, weighted by the face's quality. The
 * identity holding at least half the total weight wins; otherwise the track is unknown. One bad
 * frame (blur, a turned head) therefore cannot name the wrong person on its own.
 */
export interface Vote {
  /** Gallery match at or above the threshold, or null. */
  readonly identity: { id: string; name: string } | null;
  /** Cosine similarity of the best gallery match (even when below the threshold). */
  readonly score: number;
  /** Quality weight, > 0. */
  readonly weight: number;
}

export interface VoteResult {
  readonly type: 'recognized' | 'unknown';
  readonly identity: { id: string; name: string } | null;
  /** Weighted mean score of the winning votes (of all votes for unknown). */
  readonly score: number;
}

export function tallyVotes(votes: readonly Vote[]): VoteResult {
  if (votes.length === 0) throw new Error('tallyVotes: no votes');
  const byId = new Map<string, { identity: { id: string; name: string }; weight: number; weightedScore: number }>();
  let total = 0;
  let totalScore = 0;
  for (const vote of votes) {
    total += vote.weight;
    totalScore += vote.weight * vote.score;
    if (!vote.identity) continue;
    const entry = byId.get(vote.identity.id) ?? { identity: vote.identity, weight: 0, weightedScore: 0 };
    entry.weight += vote.weight;
    entry.weightedScore += vote.weight * vote.score;
    byId.set(vote.identity.id, entry);
  }
  const best = [...byId.values()].sort((a, b) => b.weight - a.weight)[0];
  if (best && best.weight >= total / 2) return { type: 'recognized', identity: best.identity, score: best.weightedScore / best.weight };
  return { type: 'unknown', identity: null, score: totalScore / total };
}

/**
 * Vote weight: the recognizer's raw embedding norm (before L2 normalisation), the best single
 * predictor of a false non-match in the error-versus-reject measurement on the dev photos
 * (docs/eval.md, "Quality: error versus reject"; test/eval/erc-dev.int.test.ts checks it stays
 * the best); the detection score it replaces barely predicted errors there. A face that fails the
 * quality gate still votes, at a quarter weight. Only ratios matter: tallyVotes compares shares of
 * one track's total weight, so each recognizer's own norm scale cancels out.
 */
export function voteWeight(embeddingNorm: number, qualityOk: boolean): number {
  return Math.max(1e-6, Number.isFinite(embeddingNorm) ? embeddingNorm : 0) * (qualityOk ? 1 : 0.25);
}
