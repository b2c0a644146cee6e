/**
 * One verdict per face: every metric, and every threshold it failed, so a caller can log why a
 * face was skipped and tune one threshold at a time.
 */
import type { Box, FivePoints, Point } from '../detect/types.ts';
import type { Frame } from '../image/frame.ts';
import { laplacianVarianceOfFrame } from './blur.ts';
import { QUALITY_DEFAULTS, type QualityThresholds } from './defaults.ts';
import { estimatePose } from './pose.ts';
import { estimatePose68 } from './pose68.ts';
import { describeQualityReason } from './reasons.ts';

export interface QualityMetrics {
  /** Shorter side of the detection box, frame pixels. */
  readonly faceSizePx: number;
  /** Laplacian variance of the aligned crop's inner face region (higher = sharper). */
  readonly blurVariance: number;
  readonly yawDeg: number;
  readonly pitchDeg: number;
  readonly rollDeg: number;
  readonly detectionScore: number;
}

/** Stable reason codes, one per failed threshold. */
export type QualityReason = 'face-too-small' | 'too-blurry' | 'yaw-too-large' | 'pitch-too-large' | 'roll-too-large' | 'low-detection-score';

export interface QualityVerdict {
  readonly ok: boolean;
  readonly reasons: QualityReason[];
  /** One sentence per reason, for people: the value, the limit, what to do (same order). */
  readonly messages: string[];
  readonly metrics: QualityMetrics;
}

export interface QualityInput {
  readonly box: Box;
  readonly score: number;
  readonly landmarks: FivePoints;
  /** The 68 iBUG points (frame pixels), when the pipeline ran the landmark model: pose then comes from a 3D fit. */
  readonly landmarks68?: readonly Point[] | undefined;
  /** The aligned crop the embedder sees. */
  readonly crop: Frame;
}

export function measureQuality(face: QualityInput): QualityMetrics {
  // 68 points + a 3D head fit when available; the 5-point estimate is 20-40° off on frontal faces.
  const pose = face.landmarks68 ? estimatePose68(face.landmarks68) : estimatePose(face.landmarks);
  return {
    faceSizePx: Math.min(face.box.x2 - face.box.x1, face.box.y2 - face.box.y1),
    blurVariance: laplacianVarianceOfFrame(face.crop),
    ...pose,
    detectionScore: face.score,
  };
}

export function judgeQuality(metrics: QualityMetrics, thresholds: Partial<QualityThresholds> = {}): QualityVerdict {
  const t = { ...QUALITY_DEFAULTS, ...thresholds };
  const reasons: QualityReason[] = [];
  if (metrics.faceSizePx < t.minFaceSizePx) reasons.push('face-too-small');
  if (metrics.blurVariance < t.minBlurVariance) reasons.push('too-blurry');
  if (Math.abs(metrics.yawDeg) > t.maxYawDeg) reasons.push('yaw-too-large');
  if (Math.abs(metrics.pitchDeg) > t.maxPitchDeg) reasons.push('pitch-too-large');
  if (Math.abs(metrics.rollDeg) > t.maxRollDeg) reasons.push('roll-too-large');
  if (metrics.detectionScore < t.minDetectionScore) reasons.push('low-detection-score');
  return { ok: reasons.length === 0, reasons, messages: reasons.map((r) => describeQualityReason(r, metrics, t)), metrics };
}

export function assessQuality(face: QualityInput, thresholds: Partial<QualityThresholds> = {}): QualityVerdict {
  return judgeQuality(measureQuality(face), thresholds);
}
