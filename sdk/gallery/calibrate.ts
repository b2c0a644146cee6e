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
    const threshold = sorted[Math.min(sorted.length - 1, Math.floor(far * sorted.length))]!;
    return { far, threshold, tar: same.filter((v) => v > threshold).length / same.length, measurable: sorted.length >= 1 / far };
  });
  return { samePairs: same.length, differentPairs: different.length, recommendations };
}
