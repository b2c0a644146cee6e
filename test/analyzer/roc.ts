/**
 * Verification metrics for same/different score lists. AUC is exact: the Mann-Whitney U
 * statistic over average ranks, so ties count one half (no ROC-curve integration error).
 */
export interface Distribution {
  readonly n: number;
  readonly min: number;
  readonly mean: number;
  readonly max: number;
}

export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { n: 0, min: NaN, mean: NaN, max: NaN };
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { n: values.length, min, mean: sum / values.length, max };
}

/** P(score of a random same pair > score of a random different pair), ties counted 1/2. */
export function aucMannWhitney(same: readonly number[], different: readonly number[]): number {
  const all = [...same.map((v) => ({ v, same: true })), ...different.map((v) => ({ v, same: false }))].sort((a, b) => a.v - b.v);
  let rankSumSame = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const averageRank = (i + 1 + j) / 2; // ranks are 1-based: i+1 .. j
    for (let k = i; k < j; k++) if (all[k]!.same) rankSumSame += averageRank;
    i = j;
  }
  const n1 = same.length;
  const n2 = different.length;
  return (rankSumSame - (n1 * (n1 + 1)) / 2) / (n1 * n2);
}

/**
 * The lowest threshold at which at most `far` of the different pairs score strictly above it:
 * the (floor(far * n) + 1)-th highest different score. With n < 1/far that is the highest one.
 */
export function thresholdAtFar(different: readonly number[], far: number): number {
  const sorted = [...different].sort((a, b) => b - a);
  return sorted[Math.min(sorted.length - 1, Math.floor(far * sorted.length))]!;
}

/** Fraction of same pairs scoring strictly above `threshold`. */
export function acceptRate(same: readonly number[], threshold: number): number {
  return same.filter((v) => v > threshold).length / same.length;
}
