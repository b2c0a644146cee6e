/**
 * createFaceAnalyzer options: one strict zod schema (unknown keys rejected, every problem
 * reported at once with its path), then merged over ANALYZER_DEFAULTS. Nested objects owned by
 * other stages (detector settings) are re-validated by those stages with their own schemas.
 */
import { z } from 'zod';
import { DetectorOptionsSchema } from '../detect/options.ts';
import { ArcEdgeError } from '../errors.ts';
import { ModelManifestSchema, type ModelManifest } from '../models/manifest.ts';
import { QualityThresholdsSchema } from '../quality/index.ts';
import { SESSION_DEFAULTS, SessionOptionsSchema, type SessionOptions } from '../runtime/options.ts';
import { EMBEDDER_DEFAULTS } from '../embed/embedder.ts';

const ResolvedModelSchema = z
  .object({
    manifest: ModelManifestSchema.describe('the model manifest'),
    path: z.string().min(1).describe('absolute path of the ONNX file'),
    origin: z.string().optional().describe('where resolveModelSet found it (informational)'),
  })
  .strict();

const ResolvedSetSchema = z
  .object({
    name: z.string().min(1).describe('set name, for logs'),
    models: z.array(ResolvedModelSchema).min(1).describe('one entry per model: a detector and an embedder at least'),
  })
  .strict();

// The detector's own schema: one definition of every detect option and its limits.
const DetectSchema = DetectorOptionsSchema;

/**
 * The zod schema createFaceAnalyzer validates its options with (unknown keys rejected, every
 * problem listed).
 */
export const AnalyzerOptionsSchema = z
  .object({
    models: z
      .union([z.string().min(1), ResolvedSetSchema])
      .describe('"default", a registry set name (e.g. "buffalo_sc"), "local:<dir>", or an already resolved set'),
    backend: SessionOptionsSchema.optional().describe('inference session options, shared by every model (the runtime\'s own schema)'),
    detect: DetectSchema.optional().describe('detector settings'),
    quality: QualityThresholdsSchema.partial().optional().describe('quality gate thresholds; unset ones keep QUALITY_DEFAULTS'),
    liveness: z.boolean().optional().describe('score each face with the set\'s liveness model (the set must have one); default false'),
    use: z
      .object({
        detect: z.string().min(1).optional().describe('model id or file name of the detector to use'),
        landmarks: z.string().min(1).optional().describe('model id or file name of the landmark model to use'),
        embed: z.string().min(1).optional().describe('model id or file name of the recognizer to use'),
        liveness: z.string().min(1).optional().describe('model id or file name of the liveness model to use'),
      })
      .strict()
      .optional()
      .describe('which model to take for a role when the set holds several (e.g. local:<dir>); default: the first in set order'),
    pose: z
      .enum(['landmarks68', 'five-point'])
      .optional()
      .describe("how the quality gate measures head pose: 'landmarks68' (default) runs the 68-point landmark model on every face and fits a 3D head; 'five-point' uses the detector's 5 points (no extra model; errors of 20-40 degrees on frontal faces)"),
    faceGate: z
      .object({
        verifier: z.string().min(1).describe('id or file name of a second detector (in the set, else in the registry, e.g. "yunet-s-dynamic") that must confirm every detection'),
        minScore: z.number().min(0).max(1).optional().describe('verifier score a confirmation needs (default 0.7)'),
        minIou: z.number().min(0).max(1).optional().describe('overlap a confirming box needs (default 0.3)'),
      })
      .strict()
      .optional()
      .describe('second-stage check against false faces (docs/detect.md, "Face gate"); off by default'),
    faceCheck: z
      .union([
        z.literal(false),
        z
          .object({
            minFaceScore: z.number().optional().describe('a detection is kept when its raw fr_feature embedding norm minus driftWeight x its landmark drift reaches this (default 1.9)'),
            driftWeight: z.number().min(0).optional().describe('norm units per box width the 68 points move when the box is perturbed (default 10)'),
            minEmbeddingNorm: z.number().min(0).optional().describe('without the 68-point model (offline, not cached), the norm alone must reach this (default 3.0)'),
          })
          .strict(),
      ])
      .optional()
      .describe('drop detections the registry recognizer (fr_feature.onnx) does not read as a face: false faces on textures, text, animals (docs/detect.md, "Face check"); off by default: pass {} (or thresholds) to turn it on'),
    flipTTA: z.boolean().optional().describe('embed each crop and its mirror and average; 2x embed time; default false'),
    maxImagePixels: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('encoded images above this many pixels are refused (IMAGE_TOO_LARGE) before decoding; Frame inputs above it are downscaled'),
    decodeReduced: z
      .boolean()
      .optional()
      .describe('decode large JPEGs at 1/2, 1/4 or 1/8 scale when the detector input and every face (>= 2x the crop side) allow it, else again at full size; default true'),
  })
  .strict();

export type AnalyzerOptionsInput = z.input<typeof AnalyzerOptionsSchema>;

export interface ResolvedModel {
  readonly manifest: ModelManifest;
  readonly path: string;
}

export interface ResolvedModelList {
  readonly name: string;
  readonly models: readonly ResolvedModel[];
}

/**
 * Options of createFaceAnalyzer: which models, backend, detector, quality gate, liveness and
 * embedding settings.
 */
export interface FaceAnalyzerOptions {
  readonly models: string | ResolvedModelList;
  readonly backend?: SessionOptions;
  readonly detect?: z.infer<typeof DetectSchema>;
  readonly quality?: z.infer<typeof AnalyzerOptionsSchema>['quality'];
  readonly liveness?: boolean;
  readonly use?: Partial<Record<'detect' | 'landmarks' | 'embed' | 'liveness', string>>;
  readonly flipTTA?: boolean;
  readonly maxImagePixels?: number;
  readonly decodeReduced?: boolean;
  readonly pose?: 'landmarks68' | 'five-point';
  readonly faceGate?: { readonly verifier: string; readonly minScore?: number | undefined; readonly minIou?: number | undefined };
  /** Default on ({}); false turns it off. */
  readonly faceCheck?: false | { readonly minFaceScore?: number | undefined; readonly driftWeight?: number | undefined; readonly minEmbeddingNorm?: number | undefined };
}

/** Every default of the analyzer options, in one place. */
export const ANALYZER_DEFAULTS = {
  backend: { threads: SESSION_DEFAULTS.threads } satisfies SessionOptions,
  liveness: false,
  pose: 'landmarks68',
  flipTTA: EMBEDDER_DEFAULTS.flipTTA,
  // 50 MP: above any camera frame or phone photo (a 48 MP sensor is 8000x6000), below a
  // decompression bomb; a decoded 50 MP BGR frame is 150 MB.
  maxImagePixels: 50_000_000,
  decodeReduced: true,
} as const;

export function parseAnalyzerOptions(options: unknown): FaceAnalyzerOptions {
  const parsed = AnalyzerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(options)'}: ${i.message}`);
    throw new ArcEdgeError('CONFIG_INVALID', `invalid createFaceAnalyzer options:\n  ${problems.join('\n  ')}`, {
      fix: `allowed keys: ${Object.keys(AnalyzerOptionsSchema.shape).join(', ')}; see docs/analyzer.md`,
      details: { problems },
    });
  }
  // Return the caller's object, not zod's copy: the backend logger and resolved manifests keep identity.
  return options as FaceAnalyzerOptions;
}
