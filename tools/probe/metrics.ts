/**
 * Verification metrics that do not saturate on a few hundred pairs. AUC on the dev photos is
 * 1.0000 for the right and the wrong channel order alike, so it cannot tell them apart; the
 * decidability index d' (Daugman) keeps measuring how far apart the two score distributions
 * are after they stop overlapping, and TAR at the lowest FAR the pairs support (no different
 * pair accepted) measures the overlap itself.
 */
export interface PairScoreLists {
  readonly same: readonly number[];
  readonly different: readonly number[];
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: readonly number[]): number => {
  const m = mean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
};

/** d' = (mean same - mean different) / sqrt((var same + var different) / 2). */
export function decidability({ same, different }: PairScoreLists): number {
  return (mean(same) - mean(different)) / Math.sqrt((variance(same) + variance(different)) / 2);
}

/**
 * Fraction of same pairs scoring strictly above the highest different pair: TAR at FAR below
 * 1/different.length, the lowest FAR this many pairs can resolve.
 */
export function tarAtLowestFar({ same, different }: PairScoreLists): number {
  const threshold = Math.max(...different);
  return same.filter((s) => s > threshold).length / same.length;
}
