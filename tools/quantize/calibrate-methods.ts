/**
 * Activation ranges from calibration statistics. Every method returns `amax`, the magnitude
 * that maps to int8 127 (symmetric, zero point 0: what TensorRT's explicit quantization reads).
 *
 * - minmax: the largest |x| seen. Exact coverage, but one outlier wastes the int8 grid.
 * - percentile: the p-th percentile of |x| (default 99.999, onnxruntime's calibrator default).
 * - entropy: the threshold whose 128-level quantized histogram is closest to the observed one
 *   in KL divergence (the method TensorRT's entropy calibrator describes: "8-bit Inference with
 *   TensorRT", Migacz, GTC 2017).
 */
export const CALIBRATION_METHODS = ['percentile', 'minmax', 'entropy'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** Bins of the |x| histogram (TensorRT and onnxruntime use 2048). */
export const HISTOGRAM_BINS = 2048;

export interface TensorStats {
  min: number;
  max: number;
  /** max(|min|, |max|). */
  absMax: number;
  /** Counts of |x| in HISTOGRAM_BINS equal bins over [0, absMax]; filled by the second pass. */
  histogram?: Float64Array;
}

export function percentileAmax(stats: TensorStats, percentile: number): number {
  const hist = stats.histogram;
  if (!hist || stats.absMax === 0) return stats.absMax;
  const total = hist.reduce((a, b) => a + b, 0);
  const target = (total * percentile) / 100;
  let cumulative = 0;
  for (let i = 0; i < hist.length; i++) {
    cumulative += hist[i]!;
    if (cumulative >= target) return ((i + 1) / hist.length) * stats.absMax;
  }
  return stats.absMax;
}

/** KL(P || Q) over bins where P > 0 (Q is smoothed so the divergence stays finite). */
function klDivergence(p: Float64Array, q: Float64Array): number {
  let pSum = 0, qSum = 0;
  for (let i = 0; i < p.length; i++) (pSum += p[i]!), (qSum += q[i]!);
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! === 0) continue;
    const pi = p[i]! / pSum;
    const qi = Math.max(q[i]! / qSum, 1e-12);
    kl += pi * Math.log(pi / qi);
  }
  return kl;
}

export function entropyAmax(stats: TensorStats, levels = 128): number {
  const hist = stats.histogram;
  if (!hist || stats.absMax === 0) return stats.absMax;
  const bins = hist.length;
  let best = bins;
  let bestKl = Infinity;
  for (let i = levels; i <= bins; i += 4) {
    // Reference: the first i bins, everything beyond clipped into the last one.
    const p = Float64Array.from(hist.subarray(0, i));
    let outliers = 0;
    for (let k = i; k < bins; k++) outliers += hist[k]!;
    p[i - 1]! += outliers;
    // Candidate: the same i bins merged into `levels` groups, each spread back over its non-empty bins.
    const q = new Float64Array(i);
    const width = i / levels;
    for (let level = 0; level < levels; level++) {
      const start = Math.floor(level * width);
      const end = level === levels - 1 ? i : Math.floor((level + 1) * width);
      let sum = 0, nonEmpty = 0;
      for (let k = start; k < end; k++) {
        sum += hist[k]!;
        if (hist[k]! > 0) nonEmpty++;
      }
      for (let k = start; k < end; k++) if (hist[k]! > 0) q[k] = sum / nonEmpty;
    }
    const kl = klDivergence(p, q);
    if (kl < bestKl) (bestKl = kl), (best = i);
  }
  return (best / bins) * stats.absMax;
}

export function activationAmax(stats: TensorStats, method: CalibrationMethod, percentile: number): number {
  const amax = method === 'minmax' ? stats.absMax : method === 'percentile' ? percentileAmax(stats, percentile) : entropyAmax(stats);
  // A tensor that was all zeros in calibration still needs a positive scale.
  return amax > 0 ? amax : 1e-6;
}

export const needsHistogram = (method: CalibrationMethod): boolean => method !== 'minmax';
