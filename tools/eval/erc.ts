/**
 * Error-versus-reject characteristic (ERC; ISO/IEC 29794-5, Grother & Tabassi 2007): does a
 * quality signal predict recognition errors? The threshold is fixed once, at FMR 1e-3 over all
 * different-person pairs; then the lowest-quality share of same-person pairs is rejected (0..30%)
 * and FNMR is measured on the rest. A pair's quality is the lower of its two images' (the usual
 * pairwise rule). A signal that predicts errors drops FNMR fast; one that does not stays flat
 * (random rejection keeps FNMR where it was). The area under the curve over 0..maxReject
 * (lower is better) sums it up; the oracle (rejecting exactly the false non-matches first) is
 * the floor.
 */
import { thresholdAtFar } from './metrics.ts';

/** Per-image quality values, higher = better; NaN when the image had no face. */
export type ImageSignals = Readonly<Record<string, number>>;

export interface QualityPair {
  readonly a: number;
  readonly b: number;
  readonly score: number;
  readonly same: boolean;
}

export interface ErcCurve {
  readonly signal: string;
  /** FNMR after rejecting each share of same-person pairs, at `rejected[i]`. */
  readonly points: readonly { readonly rejected: number; readonly fnmr: number }[];
  /** Trapezoid area under FNMR over 0..maxReject (lower is better). */
  readonly area: number;
  /** area / (FNMR at 0 x maxReject): 1 = no better than not rejecting, 0 = every error gone at once. */
  readonly relativeArea: number;
}

export interface ErcResult {
  readonly fmr: number;
  readonly threshold: number;
  readonly samePairs: number;
  readonly differentPairs: number;
  readonly fnmrAtZero: number;
  readonly curves: readonly ErcCurve[];
}

export const ERC_DEFAULTS = { fmr: 1e-3, maxReject: 0.3, steps: 30 } as const;

function areaOf(points: readonly { rejected: number; fnmr: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i]!.fnmr + points[i - 1]!.fnmr) / 2) * (points[i]!.rejected - points[i - 1]!.rejected);
  return area;
}

/** FNMR after dropping the first `k` of `ordered` (worst quality first). */
function curveOf(ordered: readonly { score: number }[], threshold: number, maxReject: number, steps: number): { rejected: number; fnmr: number }[] {
  const n = ordered.length;
  // Suffix counts of non-matches: misses[k] = false non-matches among ordered[k..].
  const misses = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) misses[i] = misses[i + 1]! + (ordered[i]!.score <= threshold ? 1 : 0);
  const points: { rejected: number; fnmr: number }[] = [];
  for (let s = 0; s <= steps; s++) {
    const rejected = (maxReject * s) / steps;
    const k = Math.min(n - 1, Math.floor(rejected * n));
    points.push({ rejected, fnmr: misses[k]! / (n - k) });
  }
  return points;
}

/**
 * ERC for each named signal (values per image, higher = better) plus `oracle`. Pairs whose image
 * lacks a signal value (NaN) count as the lowest quality for that signal.
 */
export function errorVersusReject(
  pairs: readonly QualityPair[],
  signals: Readonly<Record<string, readonly number[]>>,
  options: Partial<typeof ERC_DEFAULTS> = {},
): ErcResult {
  const { fmr, maxReject, steps } = { ...ERC_DEFAULTS, ...options };
  const same = pairs.filter((p) => p.same);
  const different = pairs.filter((p) => !p.same).map((p) => p.score);
  const threshold = thresholdAtFar(different, fmr);
  const fnmrAtZero = same.filter((p) => p.score <= threshold).length / Math.max(1, same.length);
  const norm = (points: { rejected: number; fnmr: number }[]) => {
    const area = areaOf(points);
    return { points, area, relativeArea: fnmrAtZero > 0 ? area / (fnmrAtZero * maxReject) : 0 };
  };
  const curves: ErcCurve[] = Object.entries(signals).map(([signal, values]) => {
    const q = (i: number): number => (Number.isFinite(values[i]!) ? values[i]! : -Infinity);
    const ordered = same.map((p) => ({ score: p.score, quality: Math.min(q(p.a), q(p.b)) })).sort((x, y) => x.quality - y.quality);
    return { signal, ...norm(curveOf(ordered, threshold, maxReject, steps)) };
  });
  // The floor: reject the false non-matches themselves first.
  const oracle = [...same].sort((x, y) => x.score - y.score);
  curves.push({ signal: 'oracle', ...norm(curveOf(oracle, threshold, maxReject, steps)) });
  return { fmr, threshold, samePairs: same.length, differentPairs: different.length, fnmrAtZero, curves };
}

/** The combined signal: the mean of each signal's rank (0..1) per image; NaN where any is NaN. */
export function combineByRank(signals: Readonly<Record<string, readonly number[]>>): number[] {
  const names = Object.keys(signals);
  const n = names.length ? signals[names[0]!]!.length : 0;
  const ranks = names.map((name) => {
    const v = signals[name]!;
    const order = [...v.keys()].filter((i) => Number.isFinite(v[i]!)).sort((a, b) => v[a]! - v[b]!);
    const r = new Array<number>(n).fill(Number.NaN);
    order.forEach((i, k) => (r[i] = order.length > 1 ? k / (order.length - 1) : 0.5));
    return r;
  });
  return Array.from({ length: n }, (_, i) => ranks.reduce((s, r) => s + r[i]!, 0) / Math.max(1, ranks.length));
}
