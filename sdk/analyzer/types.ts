/** What the analyzer returns and exposes. */
import type { Box, FivePoints } from '../detect/types.ts';
import type { Frame } from '../image/frame.ts';
import type { QualityVerdict } from '../quality/index.ts';

/**
 * One face found by analyze(): box, score and landmarks in input-image pixels, the quality verdict,
 * the aligned crop and its embedding.
 */
export interface Face {
  /** Detection box, input-image pixels. */
  readonly box: Box;
  /** Detector confidence, 0..1. */
  readonly score: number;
  /** Left eye, right eye, nose, left mouth corner, right mouth corner (image left/right), input-image pixels. */
  readonly landmarks: FivePoints;
  readonly quality: QualityVerdict;
  /** P(real face), 0..1; present only when the analyzer was created with `liveness: true`. */
  readonly liveness?: number;
  /** L2-normalised embedding; compare with `compare(a, b)` (cosine). */
  readonly embedding: Float32Array;
  /** The aligned crop that was embedded (ArcFace 112x112 BGR): keep it to re-embed with a new model. */
  readonly crop: Frame;
}

/** Input to analyze(): a decoded BGR frame, encoded image bytes (JPEG, PNG, ...), or a file path. */
export type AnalyzeInput = Frame | Uint8Array | string;

/** The stages an analyze() call goes through, in order; AnalyzerStats times each. */
export const STAGES = ['decode', 'detect', 'align', 'quality', 'embed', 'liveness'] as const;
export type Stage = (typeof STAGES)[number];

/** Counters of an analyzer: calls, faces and milliseconds per stage. */
export interface AnalyzerStats {
  /** Completed analyze() calls. */
  readonly calls: number;
  readonly faces: number;
  /** Wall-clock milliseconds per stage, summed over calls. */
  readonly stageMs: Readonly<Record<Stage, number>>;
  /** Wall-clock milliseconds of whole analyze() calls. */
  readonly totalMs: number;
  /** Milliseconds spent inside the runtimes' own run calls, per model role, summed over calls. */
  readonly modelRunMs: Readonly<Record<string, number>>;
  /** Number of runtime run calls per model role. */
  readonly modelRuns: Readonly<Record<string, number>>;
}
