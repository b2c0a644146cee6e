/**
 * Threshold guidance: from labelled embeddings (or scored pairs), the cosine threshold at each
 * target false accept rate, with the true accept rate there and whether there were enough
 * different-person pairs to measure that FAR at all (at least 1/FAR of them: a FAR of 1e-4
 * from 500 impostor pairs is a guess, and the result says so).
 */
import { ArcEdgeError } from '../errors.ts';

export const CALIBRATION_FARS = [1e-2, 1e-3, 1e-4] as const;

export interface ThresholdRecommendation {
  readonly far: number;
  /** Cosine threshold: at most `far` of the different pairs score strictly above it. */
  readonly threshold: number;
  /** Fraction of same-person pairs scoring strictly above it. */
  readonly tar: number;
  /** False when there were fewer than 1/far different pairs: the threshold is the highest impostor score, an optimistic bound. */
  readonly measurable: boolean;
  /** Different-person pairs scoring strictly above the threshold (the FAR actually measured is this / differentPairs). */
  readonly impostorsAbove: number;
  /**
   * 95% interval of the true FAR at this threshold (Wilson score interval for impostorsAbove of
   * differentPairs). Pairs that share a photo are not independent, so read it as a lower bound on
   * the uncertainty.
   */
  readonly farInterval95: readonly [number, number];
  /** The thresholds that would give the two ends of farInterval95 on these pairs: how far the value itself may move. */
  readonly thresholdInterval95: readonly [number, number];
}

export interface Calibration {
  readonly samePairs: number;
  readonly differentPairs: number;
  readonly recommendations: readonly ThresholdRecommendation[];
}

export interface LabelledEmbedding {
  readonly label: string;
  readonly embedding: Float32Array;
}

/** Every pair's cosine score, split into same-label and different-label lists. */
export function pairScores(items: readonly LabelledEmbedding[]): { same: number[]; different: number[] } {
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      (items[i]!.label === items[j]!.label ? same : different).push(cosine(items[i]!.embedding, items[j]!.embedding));
    }
  }
  return { same, different };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Thresholds at each FAR (default 1e-2, 1e-3, 1e-4) from same/different pair scores. */
export function recommendThresholds(same: readonly number[], different: readonly number[], fars: readonly number[] = CALIBRATION_FARS): Calibration {
  if (same.length === 0 || different.length === 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `calibration needs same-person and different-person pairs; got ${same.length} same and ${different.length} different`, {
      fix: 'give at least two people with at least two photos each (a folder per person), or a pairs list with both kinds',
    });
  }
  const sorted = [...different].sort((a, b) => b - a);
  const recommendations = fars.map((far) => {
    // The (floor(far * n) + 1)-th highest impostor score: at most far * n impostors lie above it.
    const n = sorted.length;
    const threshold = sorted[Math.min(n - 1, Math.floor(far * n))]!;
    const impostorsAbove = sorted.filter((v) => v > threshold).length;
    const [lo, hi] = wilson95(impostorsAbove, n);
    const at = (rate: number): number => sorted[Math.max(0, Math.min(n - 1, Math.floor(rate * n)))]!;
    return {
      far,
      threshold,
      tar: same.filter((v) => v > threshold).length / same.length,
      measurable: n >= 1 / far,
      impostorsAbove,
      farInterval95: [lo, hi] as const,
      thresholdInterval95: [at(hi), at(lo)] as const,
    };
  });
  return { samePairs: same.length, differentPairs: different.length, recommendations };
}

/** Wilson score interval (95%, z = 1.96) for k successes in n trials. */
function wilson95(k: number, n: number): [number, number] {
  const z = 1.959964;
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
