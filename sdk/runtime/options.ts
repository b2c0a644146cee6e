/**
 * SessionOptions and TensorRtOptions: one strict zod schema each (unknown keys rejected, every
 * problem reported at once with its path), the TypeScript types inferred from them, and every
 * runtime default in one literal. loadSession() validates here, so a typo such as
 * `tensorrt: { worksapceMb: 512 }` is a CONFIG_INVALID naming the key, never silently ignored.
 */
import { z } from 'zod';
import { ArcEdgeError } from '../errors.ts';

export const EXECUTION_TARGETS = ['tensorrt', 'cuda', 'cpu'] as const;
export const PRECISIONS = ['fp32', 'fp16', 'int8'] as const;

const Dims = z.array(z.number().int().min(1)).min(1).max(8);

export const ProfileShapeSchema = z
  .object({
    min: Dims.describe('smallest shape of the input the engine must accept'),
    opt: Dims.describe('shape the engine is tuned for'),
    max: Dims.describe('largest shape of the input the engine must accept'),
  })
  .strict();

/** The zod schema of the TensorRT options: engine cache, workspace, batch and input shapes, DLA core, timing cache. */
export const TensorRtOptionsSchema = z
  .object({
    cacheDir: z
      .string()
      .min(1)
      .optional()
      .describe('engine cache directory; default $ARCEDGE_ENGINE_CACHE, else $ARCEDGE_HOME/tensorrt, else ~/.cache/arcedge/tensorrt'),
    workspaceMb: z.number().int().min(16).max(1 << 20).optional().describe('builder workspace limit in MiB (kWORKSPACE); default 1024'),
    optBatch: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('batch size the optimisation profile is tuned for (kOPT); on DLA the one batch the engine runs; default 1'),
    dlaCore: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'run on this DLA core (Xavier/Orin: 0 up to the cores TensorRT reports; needs fp16 or int8); DLA shapes are static: the batch is optBatch (min = opt = max), inputShapes need min = opt = max, and layers DLA cannot run go to the GPU (logged)',
      ),
    inputShapes: z
      .record(z.string(), ProfileShapeSchema)
      .optional()
      .describe(
        "optimisation profiles for inputs with dynamic non-batch axes (a detector's H and W), keyed by input name; in a pipeline it applies only to models whose input has dynamic height/width, and without it the profile comes from the model's manifest",
      ),
    modelInputShapes: z
      .record(z.string(), z.record(z.string(), ProfileShapeSchema))
      .optional()
      .describe('pipelines only: inputShapes for one model, keyed by model id then input name; wins over inputShapes and the manifest (two models whose inputs share a name, e.g. buffalo\'s input.1)'),
    timingCache: z.boolean().optional().describe('reuse and update a per-TensorRT-version timing cache next to the engines; default true'),
  })
  .strict();

/**
 * The zod schema loadSession validates its options with: targets in order, strict (no
 * fallback), threads, precision, TensorRT options.
 */
export const SessionOptionsSchema = z
  .object({
    targets: z.array(z.enum(EXECUTION_TARGETS)).min(1).optional().describe('execution targets, tried in order; default ["cpu"]'),
    strict: z.boolean().optional().describe('throw BACKEND_UNAVAILABLE instead of falling back when the first target cannot load; default false'),
    threads: z.number().int().min(1).max(256).optional().describe('intra-op threads for CPU execution; default 2 (spinning off, see ARCHITECTURE.md)'),
    precision: z.enum(PRECISIONS).optional().describe('TensorRT engine precision; default fp32 (int8 needs a Q/DQ model from arcedge quantize)'),
    warmup: z.boolean().optional().describe('run the model once on zeros after loading; default false'),
    maxBatch: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('largest batch the session accepts on a dynamic batch axis (the TensorRT profile max); default 8 on TensorRT, unlimited on onnxruntime'),
    logger: z
      .custom<(line: string) => void>((v) => typeof v === 'function', 'a function (line: string) => void')
      .optional()
      .describe('where the fallback summary and engine-cache notes go; default console.warn'),
    graphOptimization: z.enum(['disabled', 'basic', 'extended', 'all']).optional().describe('onnxruntime graph optimisation level; default all'),
    profileFilePrefix: z
      .string()
      .min(1)
      .optional()
      .describe("onnxruntime only: record per-op timings and write them on dispose() as <prefix>_<timestamp>.json (Chrome trace format); default off"),
    deviceId: z.number().int().min(0).optional().describe('CUDA device index for cuda and tensorrt; default 0'),
    tensorrt: TensorRtOptionsSchema.optional().describe('options only the native TensorRT backend reads'),
  })
  .strict();

export type ExecutionTarget = (typeof EXECUTION_TARGETS)[number];
export type Precision = (typeof PRECISIONS)[number];
export type ProfileShape = z.infer<typeof ProfileShapeSchema>;
export type TensorRtOptions = z.infer<typeof TensorRtOptionsSchema>;
export type SessionOptions = z.infer<typeof SessionOptionsSchema>;

/** Every runtime default, once. Backends read these; nothing else repeats them. */
export const SESSION_DEFAULTS = {
  targets: ['cpu'] as readonly ExecutionTarget[],
  strict: false,
  threads: 2,
  precision: 'fp32' as Precision,
  warmup: false,
  graphOptimization: 'all' as const,
  deviceId: 0,
  /** onnxruntime: no limit of our own (a dynamic axis takes any batch). */
  maxBatch: Number.POSITIVE_INFINITY,
  /** TensorRT needs a finite profile maximum. */
  tensorrtMaxBatch: 8,
} as const;

export const TENSORRT_DEFAULTS = {
  workspaceMb: 1024,
  optBatch: 1,
  /** -1: no DLA (GPU only). */
  dlaCore: -1,
  timingCache: true,
} as const;

/** Validates caller options; CONFIG_INVALID lists every problem with its path. */
export function parseSessionOptions(options: unknown, where = 'SessionOptions'): SessionOptions {
  const parsed = SessionOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(options)'}: ${i.message}`);
    throw new ArcEdgeError('CONFIG_INVALID', `invalid ${where}:\n  ${problems.join('\n  ')}`, {
      fix: `allowed keys: ${Object.keys(SessionOptionsSchema.shape).join(', ')}; tensorrt: ${Object.keys(TensorRtOptionsSchema.shape).join(', ')} (see README "Running on Jetson")`,
      details: { problems },
    });
  }
  // The caller's object, not zod's copy: the logger function keeps its identity.
  return options as SessionOptions;
}
