/**
 * Quality reasons in words a person acts on: what is wrong with the photo, the measured value and
 * the limit, and what to do. The codes stay the machine-readable part (QualityReason); these
 * sentences go into enrollment verdicts, CLI tables and the web UI.
 */
import type { QualityMetrics, QualityReason } from './assess.ts';
import { QUALITY_DEFAULTS, type QualityThresholds } from './defaults.ts';

const deg = (v: number): string => `${Math.round(Math.abs(v))}°`;

/** One sentence per failed check, e.g. "head tilted up or down 34° (limit 30°): face the camera". */
export function describeQualityReason(reason: QualityReason, metrics: QualityMetrics, thresholds: Partial<QualityThresholds> = {}): string {
  const t = { ...QUALITY_DEFAULTS, ...thresholds };
  switch (reason) {
    case 'face-too-small':
      return `face too small: ${Math.round(metrics.faceSizePx)} px (needs ${t.minFaceSizePx} px); use a closer or larger photo`;
    case 'too-blurry':
      return `face too blurred: sharpness ${Math.round(metrics.blurVariance)} (needs ${t.minBlurVariance}); use a sharper photo`;
    case 'yaw-too-large':
      return `head turned ${deg(metrics.yawDeg)} to the ${metrics.yawDeg > 0 ? 'right' : 'left'} (limit ${t.maxYawDeg}°); use a photo facing the camera`;
    case 'pitch-too-large':
      return `head tilted ${metrics.pitchDeg > 0 ? 'down' : 'up'} ${deg(metrics.pitchDeg)} (limit ${t.maxPitchDeg}°); use a photo facing the camera`;
    case 'roll-too-large':
      return `head tilted sideways ${deg(metrics.rollDeg)} (limit ${t.maxRollDeg}°); use an upright photo`;
    case 'low-detection-score':
      return `face barely detected: score ${metrics.detectionScore.toFixed(2)} (needs ${t.minDetectionScore}); the face may be occluded or not a face`;
  }
}

/** Every failed check as one line, "; "-separated. */
export function describeQualityReasons(reasons: readonly QualityReason[], metrics: QualityMetrics, thresholds: Partial<QualityThresholds> = {}): string {
  return reasons.map((r) => describeQualityReason(r, metrics, thresholds)).join('; ');
}
