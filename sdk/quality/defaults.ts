/**
 * Quality gate thresholds: the one place their defaults live. Values were set on the dev photos
 * (test/quality): sharp aligned crops measure a Laplacian variance in the hundreds, a Gaussian
 * blur with sigma 2 px on the frame brings them under ~30.
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
  minBlurVariance: 60,
  maxYawDeg: 40,
  maxPitchDeg: 35,
  maxRollDeg: 60,
  minDetectionScore: 0.6,
} as const satisfies QualityThresholds;
