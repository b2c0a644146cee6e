/**
 * Quality gate thresholds: the one place their defaults live. Set on the 74 labelled dev photos
 * and blurred copies of them (test/quality):
 * - blur: sharp aligned crops measure 207..5580 (5th percentile 297); the same photos blurred with
 *   a Gaussian of sigma = face size / 45 (about 2.5 px in the 112 px crop) measure 8..47. 100 is
 *   the geometric middle of the gap.
 * - pose: the dev portraits estimate yaw -45..+19, pitch -29..+22, roll -13..+16 (5-point
 *   estimate, see pose.ts); ArcFace embeddings degrade noticeably past ~35 degrees of yaw, so
 *   the two most turned dev faces fail on purpose.
 * - size: 40 px is where the 112 px crop becomes a >2.8x upscale; the dev faces are 116..706 px.
 * - score: 0.5 is insightface's usual detection threshold; the gate matters when a caller lowers
 *   the detector's own threshold to find more faces.
 */
import { z } from 'zod';

export const QualityThresholdsSchema = z
  .object({
    minFaceSizePx: z.number().min(0).describe('shorter side of the detection box, frame pixels; below it the crop is upscaled mush'),
    minBlurVariance: z.number().min(0).describe('Laplacian variance of the grey aligned crop (inner face region); below it the face is blurred'),
    maxYawDeg: z.number().min(0).max(90).describe('|yaw| above this fails (degrees, 5-point estimate)'),
    maxPitchDeg: z.number().min(0).max(90).describe('|pitch| above this fails (degrees, 5-point estimate)'),
    maxRollDeg: z.number().min(0).max(180).describe('|roll| above this fails (degrees); alignment undoes roll, so this is loose'),
    minDetectionScore: z.number().min(0).max(1).describe('detector confidence below this fails'),
  })
  .strict();

export type QualityThresholds = z.infer<typeof QualityThresholdsSchema>;

export const QUALITY_DEFAULTS = {
  minFaceSizePx: 40,
  minBlurVariance: 100,
  maxYawDeg: 35,
  maxPitchDeg: 30,
  maxRollDeg: 45,
  minDetectionScore: 0.5,
} as const satisfies QualityThresholds;
