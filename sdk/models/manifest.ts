/**
 * The model manifest: everything the SDK needs to feed a model and read its outputs,
 * so no stage hard-codes a file name. One manifest per ONNX file; the registry
 * (models/*.json) embeds them, and a `local:<dir>` set reads `<file>.manifest.json`
 * beside each ONNX file.
 */
import { z } from 'zod';

export const MODEL_TASKS = ['detect', 'landmarks', 'embed', 'liveness'] as const;
export const MODEL_FAMILIES = ['scrfd', 'yunet', 'ultraface', 'landmark68', 'arcface', 'liveness'] as const;

const Sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256 (64 characters)')
  .describe('sha256 of the file, lowercase hex');

export const ModelSourceSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('npm').describe('a file inside an npm package tarball, fetched through the npm registry'),
      package: z.string().min(1).describe('npm package name, e.g. faceplugin-face-recognition-js'),
      version: z.string().min(1).describe('exact package version'),
      path: z.string().min(1).describe('path inside the package, without the leading "package/"'),
    })
    .strict(),
  z
    .object({
      type: z.literal('https').describe('a plain HTTPS download of the file itself'),
      url: z.url().describe('https URL of the file'),
    })
    .strict(),
  z
    .object({
      type: z.literal('zip').describe('a member of a zip archive downloaded over HTTPS'),
      url: z.url().describe('https URL of the zip archive'),
      member: z.string().min(1).describe('path of the file inside the archive'),
    })
    .strict(),
]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

export const InputSpecSchema = z
  .object({
    name: z.string().min(1).describe('input tensor name as declared in the ONNX graph'),
    shape: z
      .array(z.union([z.number().int(), z.string()]))
      .min(2)
      .describe('declared shape; numbers are fixed, strings are dynamic axes (e.g. "batch", "height")'),
    layout: z.enum(['nchw', 'nhwc']).describe('memory layout of the input tensor'),
    colorOrder: z.enum(['rgb', 'bgr', 'grey']).describe('channel order the model was trained with'),
    mean: z.array(z.number()).min(1).max(3).describe('subtracted per channel (in colorOrder) before dividing by std'),
    std: z.array(z.number().positive()).min(1).max(3).describe('divisor per channel (in colorOrder)'),
    resize: z
      .enum(['letterbox', 'stretch', 'pad', 'none'])
      .describe(
        'letterbox: keep aspect, scale to fit, pad right/bottom; stretch: resize to the input size ignoring aspect; ' +
          'pad: no upscaling (frames larger than `size` are scaled down to fit), pad right/bottom to a multiple of `stride`; none: caller supplies the exact size (aligned crops)',
      ),
    size: z
      .object({
        width: z.number().int().positive().describe('pixels'),
        height: z.number().int().positive().describe('pixels'),
      })
      .strict()
      .optional()
      .describe('input size to use when the declared spatial axes are dynamic (e.g. 640x640 for SCRFD)'),
    stride: z.number().int().positive().optional().describe('for resize=pad/dynamic inputs: sizes are rounded up to a multiple of this'),
  })
  .strict();
export type InputSpec = z.infer<typeof InputSpecSchema>;

export const OutputSpecSchema = z
  .object({
    mode: z
      .enum(['by-name', 'by-order'])
      .describe('by-name: `names` are the graph output names; by-order: outputs are taken in graph order'),
    names: z
      .array(z.string().min(1))
      .optional()
      .describe('by-name: output names in the order the decoder expects; by-order: optional role labels, for docs'),
    count: z.number().int().positive().describe('number of outputs the graph must have'),
  })
  .strict();
export type OutputSpec = z.infer<typeof OutputSpecSchema>;

export const DetectorParamsSchema = z
  .object({
    scoreThreshold: z.number().min(0).max(1).describe('minimum face score kept'),
    nmsIou: z.number().min(0).max(1).describe('IoU above which the lower-scored box is suppressed'),
    strides: z.array(z.number().int().positive()).optional().describe('feature-map strides (SCRFD, YuNet)'),
    anchorsPerCell: z.number().int().positive().optional().describe('anchors per feature-map cell (SCRFD: 2, YuNet: 1)'),
  })
  .strict();

export const LandmarkParamsSchema = z
  .object({
    points: z.number().int().positive().describe('number of landmark points the model outputs (68 for iBUG)'),
    outputScale: z.number().positive().describe('model outputs are multiplied by this to get crop pixels (e.g. 64 when the model predicts 0..1 of a 64 px crop)'),
  })
  .strict();

export const LivenessParamsSchema = z
  .object({
    realIndex: z.number().int().min(0).describe('index of the "real face" class in the output'),
    cropScale: z.number().positive().describe('the face box is scaled by this (around its centre) before cropping'),
  })
  .strict();

export const RecommendedThresholdSchema = z
  .object({
    threshold: z.number().min(-1).max(1).describe('cosine similarity at which the measured false accept rate is `far`'),
    far: z.number().gt(0).lt(1).describe('false accept rate the threshold was chosen at (1e-3 for the sets shipped here)'),
    tar: z.number().min(0).max(1).optional().describe('true accept rate at that threshold on the same pairs'),
    measuredOn: z.string().min(1).describe('which pairs: e.g. "arcedge dev pairs (shared assets faces, 2026-12)"'),
    genuinePairs: z.number().int().positive().optional().describe('number of same-person pairs measured'),
    impostorPairs: z.number().int().positive().optional().describe('number of different-person pairs measured'),
  })
  .strict();
export type RecommendedThreshold = z.infer<typeof RecommendedThresholdSchema>;
/** One preprocessing candidate as `arcedge models probe` measured it. */
export const ProbeResultSchema = z
  .object({
    colorOrder: z.enum(['rgb', 'bgr']).describe('channel order fed to the model'),
    normalisation: z.string().min(1).describe('label of the normalisation, e.g. "(x-127.5)/128" or "imagenet"'),
    mean: z.array(z.number()).length(3).describe('per-channel mean, in colorOrder'),
    std: z.array(z.number().positive()).length(3).describe('per-channel std, in colorOrder'),
    dPrime: z.number().describe('decidability index (mean same - mean different) / sqrt((var same + var different) / 2) of the cosine scores'),
    tar: z.number().min(0).max(1).describe('fraction of same pairs scoring above the highest different pair (TAR at FAR < 1/differentPairs)'),
  })
  .strict();
export type ProbeResult = z.infer<typeof ProbeResultSchema>;

/**
 * How a manifest's preprocessing was chosen by measurement (`arcedge models probe`): the labelled
 * faces, the pair counts and every candidate's score, so a reader can judge the margin.
 */
export const ProbeRecordSchema = z
  .object({
    tool: z.string().min(1).describe('what measured it, e.g. "arcedge models probe"'),
    measuredAt: z.string().min(1).describe('ISO 8601 time of the measurement'),
    faces: z.string().min(1).describe('the labelled face folder the pairs came from'),
    detector: z.string().min(1).describe('file name of the detector whose 5 points aligned the faces (ArcFace 112 template)'),
    images: z.number().int().nonnegative().describe('colour images embedded (grey images are skipped: they cannot tell channel orders apart)'),
    skippedGrey: z.number().int().nonnegative().describe('grey images skipped'),
    samePairs: z.number().int().nonnegative().describe('same-person pairs scored'),
    differentPairs: z.number().int().nonnegative().describe('different-person pairs scored'),
    chosen: z.string().min(1).describe('the winning candidate, "<colorOrder> <normalisation>", written to input.colorOrder/mean/std'),
    marginDPrime: z.number().describe("d' of the winner minus d' of the best candidate with the other channel order"),
    results: z.array(ProbeResultSchema).min(1).describe('every candidate, best first'),
  })
  .strict();
export type ProbeRecord = z.infer<typeof ProbeRecordSchema>;

/**
 * The zod schema of a model manifest: file, sha256, task, input layout, outputs and the task's
 * parameters (docs/models.md).
 */
export const ModelManifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" or "-"').describe('stable model id'),
    file: z.string().regex(/^[^/\\]+\.onnx$/, 'a bare file name ending in .onnx').describe('file name in the cache / model dir'),
    task: z.enum(MODEL_TASKS).describe('what the model does'),
    family: z.enum(MODEL_FAMILIES).describe('which decoder reads its outputs'),
    input: InputSpecSchema.describe('the one image input: name, shape, layout and preprocessing'),
    outputs: OutputSpecSchema.describe('how the decoder finds its outputs'),
    embeddingSize: z.number().int().positive().optional().describe('embed models: length of the embedding vector'),
    detector: DetectorParamsSchema.optional().describe('detect models: decoding defaults'),
    landmarks: LandmarkParamsSchema.optional().describe('landmarks models: point count and scaling'),
    liveness: LivenessParamsSchema.optional().describe('liveness models: class index and crop'),
    recommendedThreshold: RecommendedThresholdSchema.optional().describe(
      'embed models: the cosine threshold a new gallery starts with, measured on the dev pairs (docs/gallery.md)',
    ),
    licence: z.string().min(1).describe('licence of the weights, e.g. "MIT" or "non-commercial research only"'),
    sources: z.array(ModelSourceSchema).describe('where the resolver may fetch the file, tried in order'),
    sha256: Sha256,
    sha256Origin: z
      .enum(['computed', 'published'])
      .optional()
      .describe(
        'computed: hashed by the registry maintainers from the bytes themselves; ' +
          'published: taken from independent public pins and not yet re-hashed here (the resolver still refuses any other bytes)',
      ),
    bytes: z.number().int().positive().optional().describe('file size in bytes, when known'),
    description: z.string().optional().describe('one line for `arcedge models list`'),
    precision: z
      .enum(['fp32', 'fp16', 'int8'])
      .optional()
      .describe('numeric precision of the weights and compute; written by `arcedge quantize` (fp16, int8 Q/DQ); absent means fp32'),
    probe: ProbeRecordSchema.optional().describe('embed models: the measurement that chose colorOrder/mean/std, written by `arcedge models probe`'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.task === 'embed' && m.embeddingSize === undefined) {
      ctx.addIssue({ code: 'custom', path: ['embeddingSize'], message: 'embed models must declare embeddingSize' });
    }
    if (m.task === 'detect' && m.detector === undefined) {
      ctx.addIssue({ code: 'custom', path: ['detector'], message: 'detect models must declare detector params' });
    }
    if (m.input.mean.length !== m.input.std.length) {
      ctx.addIssue({ code: 'custom', path: ['input', 'std'], message: 'mean and std must have the same length' });
    }
  });
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

export const MODEL_SET_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** A registry entry (models/sets/<name>.json): the files a pipeline loads together. */
export const ModelSetSchema = z
  .object({
    name: z.string().regex(MODEL_SET_NAME, 'lowercase letters, digits, ".", "_" or "-"').describe('set name, equal to the file name'),
    description: z.string().min(1).describe('one line for `arcedge models list`'),
    licence: z.string().min(1).describe('licence that covers the set as a whole (the strictest of its files)'),
    files: z.array(ModelManifestSchema).min(1).describe('one manifest per ONNX file in the set'),
  })
  .strict()
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.files.forEach((m, i) => {
      if (seen.has(m.file)) ctx.addIssue({ code: 'custom', path: ['files', i, 'file'], message: `duplicate file name ${m.file}` });
      seen.add(m.file);
    });
  });
export type ModelSet = z.infer<typeof ModelSetSchema>;
