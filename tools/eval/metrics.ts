/**
 * The one home of verification metrics for host tools (eval, probe, bench): scores of
 * same-person and different-person pairs in, AUC / accuracy / TAR@FAR / EER / thresholds out.
 * Scores are similarities (higher = more alike); a pair is accepted when score > threshold.
 *
 * - AUC is exact: the Mann-Whitney U statistic over average ranks, ties counting one half.
 * - Accuracy follows the LFW protocol (Huang et al. 2007, "Labeled Faces in the Wild", view 2;
 *   insightface's `verification.py` calculate_roc does the same with KFold(10, shuffle=False)):
 *   the pairs are cut in order into 10 contiguous folds; for each fold the threshold with the
 *   best accuracy on the other 9 is applied to it; the mean and the (population) standard
 *   deviation of the 10 accuracies are reported. Candidate thresholds are every midpoint
 *   between adjacent distinct training scores (plus one below and one above all), not a grid,
 *   so the best threshold is exact; among equally good ones the lowest wins.
 */

export interface ScoredPair {
  readonly score: number;
  readonly same: boolean;
}

export const FARS = ['1e-2', '1e-3', '1e-4'] as const;
export type FarKey = (typeof FARS)[number];

export interface VerificationMetrics {
  readonly pairs: number;
  readonly auc: number;
  /** 10-fold LFW-protocol accuracy (mean over folds) and its standard deviation. */
  readonly accuracy: number;
  readonly accuracyStd: number;
  /** TAR at the threshold where FAR <= the key; null when there are fewer than 1/FAR different pairs. */
  readonly tarAtFar: Record<FarKey, number | null>;
  readonly eer: number;
  readonly thresholds: RecommendedThresholds;
}

export interface RecommendedThresholds {
  /** Lowest threshold with FAR <= 1e-2 / 1e-3 / 1e-4 on these pairs (null when unresolvable). */
  readonly far1e2: number | null;
  readonly far1e3: number | null;
  readonly far1e4: number | null;
  /** Where FAR and FRR cross. */
  readonly eer: number;
  /** The best-accuracy threshold on all pairs (what the folds pick, fitted once to everything). */
  readonly bestAccuracy: number;
}

/** Same/different score lists (what the probe and the dev-set tests hold). */
export interface PairScoreLists {
  readonly same: readonly number[];
  readonly different: readonly number[];
}

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

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: readonly number[]): number => {
  const m = mean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
};

/**
 * Decidability d' (Daugman) = (mean same - mean different) / sqrt((var same + var different) / 2).
 * It keeps measuring separation after AUC saturates at 1 (a few hundred clean pairs).
 */
export function decidability({ same, different }: PairScoreLists): number {
  return (mean(same) - mean(different)) / Math.sqrt((variance(same) + variance(different)) / 2);
}

/**
 * Fraction of same pairs scoring strictly above the highest different pair: TAR at FAR below
 * 1/different.length, the lowest FAR this many pairs can resolve.
 */
export function tarAtLowestFar({ same, different }: PairScoreLists): number {
  return acceptRate(same, Math.max(...different));
}

const split = (pairs: readonly ScoredPair[]): { same: number[]; different: number[] } => ({
  same: pairs.filter((p) => p.same).map((p) => p.score),
  different: pairs.filter((p) => !p.same).map((p) => p.score),
});

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
  return (rankSumSame - (same.length * (same.length + 1)) / 2) / (same.length * different.length);
}

/**
 * The lowest threshold at which at most `far` of the different pairs score strictly above it:
 * the (floor(far * n) + 1)-th highest different score. With n < 1/far that is the highest one.
 */
export function thresholdAtFar(different: readonly number[], far: number): number {
  const sorted = [...different].sort((a, b) => b - a);
  return sorted[Math.min(sorted.length - 1, Math.floor(far * sorted.length))]!;
}

/** Fraction of `scores` strictly above `threshold` (TAR for same pairs, FAR for different ones). */
export function acceptRate(scores: readonly number[], threshold: number): number {
  return scores.filter((v) => v > threshold).length / scores.length;
}

/**
 * The best-accuracy threshold: one sweep over the sorted scores, counting how many pairs each
 * midpoint classifies correctly. Returns the lowest best threshold and its accuracy.
 */
export function bestThreshold(pairs: readonly ScoredPair[]): { threshold: number; accuracy: number } {
  const sorted = [...pairs].sort((a, b) => a.score - b.score);
  const totalSame = sorted.filter((p) => p.same).length;
  // Threshold below everything: every pair accepted, the same pairs are right.
  let correct = totalSame;
  let best = { threshold: sorted.length ? sorted[0]!.score - 1 : 0, correct };
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) {
      correct += sorted[j]!.same ? -1 : 1; // this score moves below the threshold: rejected
      j++;
    }
    if (correct > best.correct) {
      const next = j < sorted.length ? sorted[j]!.score : sorted[i]!.score + 1;
      best = { threshold: (sorted[i]!.score + next) / 2, correct };
    }
    i = j;
  }
  return { threshold: best.threshold, accuracy: sorted.length ? best.correct / sorted.length : NaN };
}

/** Fold boundaries as sklearn's KFold(n_splits, shuffle=False): the first n % k folds are one longer. */
export function foldRanges(n: number, folds: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = Math.floor(n / folds) + (f < n % folds ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/** LFW-protocol accuracy: thresholds fitted on 9 folds, applied to the 10th; pairs in their given order. */
export function kFoldAccuracy(pairs: readonly ScoredPair[], folds = 10): { accuracy: number; accuracyStd: number; perFold: number[] } {
  const perFold = foldRanges(pairs.length, folds)
    .filter(([start, end]) => end > start)
    .map(([start, end]) => {
      const train = [...pairs.slice(0, start), ...pairs.slice(end)];
      const { threshold } = bestThreshold(train);
      const test = pairs.slice(start, end);
      return test.filter((p) => p.score > threshold === p.same).length / test.length;
    });
  const accuracy = perFold.reduce((a, b) => a + b, 0) / perFold.length;
  const accuracyStd = Math.sqrt(perFold.reduce((a, b) => a + (b - accuracy) ** 2, 0) / perFold.length);
  return { accuracy, accuracyStd, perFold };
}

/**
 * Equal error rate: sweeping the threshold over every score, the point where FAR (different
 * pairs accepted) and FRR (same pairs rejected) cross, as the mean of the two at the threshold
 * where they are closest.
 */
export function equalErrorRate(same: readonly number[], different: readonly number[]): { eer: number; threshold: number } {
  let best = { gap: Infinity, eer: NaN, threshold: NaN };
  for (const { threshold, far, tar } of rocCurve(same, different)) {
    const frr = 1 - tar;
    if (Math.abs(far - frr) < best.gap) best = { gap: Math.abs(far - frr), eer: (far + frr) / 2, threshold };
  }
  return { eer: best.eer, threshold: best.threshold };
}

/** How many of `ascending` are strictly above `t` (binary search). */
function countAbove(ascending: readonly number[], t: number): number {
  let lo = 0, hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ascending[mid]! > t) hi = mid;
    else lo = mid + 1;
  }
  return ascending.length - lo;
}

/** The ROC curve: (FAR, TAR) at every distinct score, from accept-all to accept-none. */
export function rocCurve(same: readonly number[], different: readonly number[]): { far: number; tar: number; threshold: number }[] {
  const s = [...same].sort((a, b) => a - b);
  const d = [...different].sort((a, b) => a - b);
  const thresholds = [...new Set([...s, ...d])].sort((a, b) => a - b);
  return [thresholds[0]! - 1, ...thresholds].map((t) => ({ threshold: t, far: countAbove(d, t) / d.length, tar: countAbove(s, t) / s.length }));
}

const FAR_VALUE: Record<FarKey, number> = { '1e-2': 1e-2, '1e-3': 1e-3, '1e-4': 1e-4 };

/** Every metric `arcedge eval` reports, for pairs in their given order (the order defines the folds). */
export function verificationMetrics(pairs: readonly ScoredPair[]): VerificationMetrics {
  const { same, different } = split(pairs);
  const farThreshold = (key: FarKey): number | null => (different.length * FAR_VALUE[key] >= 1 ? thresholdAtFar(different, FAR_VALUE[key]) : null);
  const tarAtFar = Object.fromEntries(FARS.map((key) => {
    const t = farThreshold(key);
    return [key, t === null ? null : acceptRate(same, t)];
  })) as Record<FarKey, number | null>;
  const { accuracy, accuracyStd } = kFoldAccuracy(pairs);
  const eer = equalErrorRate(same, different);
  return {
    pairs: pairs.length,
    auc: aucMannWhitney(same, different),
    accuracy,
    accuracyStd,
    tarAtFar,
    eer: eer.eer,
    thresholds: {
      far1e2: farThreshold('1e-2'),
      far1e3: farThreshold('1e-3'),
      far1e4: farThreshold('1e-4'),
      eer: eer.threshold,
      bestAccuracy: bestThreshold(pairs).threshold,
    },
  };
}
