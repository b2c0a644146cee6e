/**
 * Detector construction options: validated once at the edge (zod, strict, every problem
 * reported at once), then merged over the manifest's defaults. Per-call DetectOptions
 * (types.ts) override these again for one detect() call.
 */
import { z } from 'zod';
import { ArcEdgeError } from '../errors.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession } from '../runtime/types.ts';
import type { DetectOptions } from './types.ts';

export const DetectorOptionsSchema = z
  .object({
    scoreThreshold: z.number().min(0).max(1).optional().describe("minimum face score; default: the manifest's detector.scoreThreshold"),
    nmsIou: z.number().min(0).max(1).optional().describe("IoU above which the lower-scored box is suppressed; default: the manifest's detector.nmsIou"),
    maxFaces: z.number().int().min(0).optional().describe('keep at most this many faces, highest score first; 0 = all (default)'),
    minFaceSizePx: z.number().min(0).optional().describe('drop faces whose box is shorter than this on its shorter side, frame pixels; default 0'),
    secondPass: z
      .boolean()
      .optional()
      .describe('when the first pass finds no face, or a face that touches the border and spans half the frame, detect again on the frame inside a black margin (two-pass.ts); default true'),
    inputPlanning: z
      .boolean()
      .optional()
      .describe('SCRFD: run a small input first (320, or what minFaceSizePx / the tracked faces allow) and the full size only when that finds nothing or a small face (scale-plan.ts); default true'),
    inputSize: z
      .object({
        width: z.number().int().positive().multipleOf(32).describe('input width, a multiple of 32'),
        height: z.number().int().positive().multipleOf(32).describe('input height, a multiple of 32'),
      })
      .strict()
      .optional()
      .describe('model input size for dynamic-shape detectors (SCRFD: default manifest input.size, 640x640); for resize "pad" the largest frame fed unscaled'),
  })
  .strict();

export type DetectorSettings = z.infer<typeof DetectorOptionsSchema>;

/** A second model a two-stage detector needs (UltraFace boxes + a 68-point landmark model). */
export interface LandmarkModel {
  readonly manifest: ModelManifest;
  readonly session: InferenceSession;
}

export interface DetectorOptions extends DetectorSettings {
  /** family "ultraface": the landmark model that supplies the 5 points; the detector owns (disposes) it. */
  readonly landmarks?: LandmarkModel;
}

export interface ResolvedThresholds {
  readonly scoreThreshold: number;
  readonly nmsIou: number;
  readonly maxFaces: number;
  readonly minFaceSizePx: number;
  readonly secondPass: boolean;
}

export function parseDetectorSettings(options: DetectorOptions | undefined): DetectorSettings {
  const { landmarks: _landmarks, ...settings } = options ?? {};
  const parsed = DetectorOptionsSchema.safeParse(settings);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new ArcEdgeError('CONFIG_INVALID', `invalid detector options:\n  ${problems.join('\n  ')}`, {
      fix: `allowed keys: ${Object.keys(DetectorOptionsSchema.shape).join(', ')}, landmarks`,
      details: { problems },
    });
  }
  return parsed.data;
}

/** manifest defaults < construction options < per-call options. */
export function resolveThresholds(manifest: ModelManifest, settings: DetectorSettings, call: DetectOptions | undefined): ResolvedThresholds {
  const detector = manifest.detector;
  return {
    scoreThreshold: call?.scoreThreshold ?? settings.scoreThreshold ?? detector?.scoreThreshold ?? 0.5,
    nmsIou: settings.nmsIou ?? detector?.nmsIou ?? 0.4,
    maxFaces: call?.maxFaces ?? settings.maxFaces ?? 0,
    minFaceSizePx: call?.minFaceSizePx ?? settings.minFaceSizePx ?? 0,
    secondPass: settings.secondPass ?? true,
  };
}
