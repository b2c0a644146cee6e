/**
 * `arcedge quantize` as a function: read the model and its manifest, convert (fp16) or
 * calibrate and rewrite (int8), write the model with its `<file>.onnx.manifest.json` sidecar
 * (so `local:<dir>` loads it like any other model), check that it runs, and measure the damage.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ArcEdgeError, findManifestBySha256, loadSession, ModelManifestSchema, type ModelManifest, type Tensor } from '../../sdk/index.ts';
import { collectCrops, type FaceCrop } from './calibration-data.ts';
import type { CalibrationMethod } from './calibrate-methods.ts';
import { makeBatchDynamic } from './dynamic-batch.ts';
import { compareEmbeddings, layerErrors, measureLatency, profileOps, type Accuracy, type LayerError, type Latency, type OpTime } from './evaluate.ts';
import { convertToFp16, FP16_KEEP_FLOAT_OPS } from './fp16.ts';
import { calibrationFeeds, INT8_DEFAULTS, quantizeInt8, type LayerRange } from './int8.ts';
import { cloneModel, encodeModel, readModel, type Model } from './onnx-io.ts';
import type { Target } from './qdq.ts';
import { createHash } from 'node:crypto';

export type Mode = 'fp16' | 'int8';

export interface QuantizeOptions {
  readonly model: string;
  readonly mode: Mode;
  readonly out: string;
  /** Folder of face photos (or aligned crops): int8 calibration, and held-back faces for the report. */
  readonly calib?: string;
  /** Labelled faces (`<folder>/<person>/<photo>`) for the report; default: every 4th calibration face, held back. */
  readonly evalFolder?: string;
  readonly method?: CalibrationMethod;
  readonly percentile?: number;
  /** Node names (and "first", "last") kept in float. */
  readonly keepFloat?: readonly string[];
  /** FP16: op types kept in float32 (default FP16_KEEP_FLOAT_OPS). */
  readonly fp32Ops?: readonly string[];
  readonly dynamicBatch?: boolean;
  readonly target?: Target;
  /** Q/DQ on Conv outputs too, so onnxruntime fuses QLinearConv (default false: inputs only). */
  readonly fuseOutputs?: boolean;
  /** Per-channel equalization before INT8 calibration (default true). */
  readonly equalize?: boolean;
  /** Model set whose detector makes the crops (default "default"). */
  readonly detector?: string;
  readonly maxCalibImages?: number;
  /** Crops already made (tests reuse one calibration across cases). */
  readonly crops?: { readonly calibration: readonly FaceCrop[]; readonly heldBack: readonly FaceCrop[] };
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface QuantizeReport {
  readonly model: string;
  readonly out: string;
  readonly manifest: string | undefined;
  readonly mode: Mode;
  readonly method?: CalibrationMethod;
  readonly target?: Target;
  readonly sizeBytes: { readonly fp32: number; readonly quantized: number };
  readonly dynamicBatch?: { readonly batch1: boolean; readonly batch8: boolean; readonly maxDiff: number };
  readonly calibrationFaces?: number;
  readonly heldBackFaces?: number;
  readonly quantizedNodes?: number;
  /** Conv -> PRelu -> Conv chains rescaled per channel before calibration. */
  readonly equalizedChains?: number;
  readonly keptFloat: { name: string; op: string; reason: string }[];
  readonly unknownOps: { name: string; op: string }[];
  /** Calibrated range of every quantized activation. */
  readonly ranges?: LayerRange[];
  /** Relative error of each quantized node's output against FP32, on held-back faces. */
  readonly layerErrors?: (LayerError & { node: string; op: string })[];
  readonly accuracy?: Accuracy;
  readonly latency?: Latency;
  readonly opTimes?: { readonly fp32: OpTime[]; readonly quantized: OpTime[] };
  readonly skippedImages: number;
}

export const QUANTIZE_DEFAULTS = { method: 'percentile' as CalibrationMethod, detector: 'default', maxCalibImages: 200, target: 'cpu' as Target } as const;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The manifest beside the file, else the registry's for the same bytes. */
export function sourceManifest(modelPath: string): ModelManifest | undefined {
  const beside = `${modelPath}.manifest.json`;
  if (existsSync(beside)) {
    const parsed = ModelManifestSchema.safeParse(JSON.parse(readFileSync(beside, 'utf8')));
    if (!parsed.success) throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `${beside}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }
  return findManifestBySha256(sha256(readFileSync(modelPath)));
}

async function faces(options: QuantizeOptions, needCalibration: boolean): Promise<{ calibration: FaceCrop[]; heldBack: FaceCrop[]; skipped: number }> {
  if (options.crops) return { calibration: [...options.crops.calibration], heldBack: [...options.crops.heldBack], skipped: 0 };
  if (!options.calib) {
    if (needCalibration) throw new ArcEdgeError('CONFIG_INVALID', '--mode int8 needs --calib <folder of face photos>', { fix: 'pass --calib with 50-500 photos of the faces the model will see' });
    return { calibration: [], heldBack: [], skipped: 0 };
  }
  const detector = options.detector ?? QUANTIZE_DEFAULTS.detector;
  const progress = (stage: string) => (d: number, t: number) => options.onProgress?.(stage, d, t);
  const calib = await collectCrops(options.calib, detector, { maxImages: options.maxCalibImages ?? QUANTIZE_DEFAULTS.maxCalibImages, onProgress: progress('faces') });
  if (options.evalFolder) {
    const held = await collectCrops(options.evalFolder, detector, { onProgress: progress('eval faces') });
    return { calibration: calib.crops, heldBack: held.crops, skipped: calib.skipped.length + held.skipped.length };
  }
  // Every 4th face is held back: the report never judges on faces that set the ranges.
  const heldBack = calib.crops.filter((_, i) => i % 4 === 3);
  const calibration = calib.crops.filter((_, i) => i % 4 !== 3);
  return { calibration: heldBack.length > 0 ? calibration : calib.crops, heldBack, skipped: calib.skipped.length };
}

/** Runs the written model at batch 1 (and 8 when the batch was made dynamic): each sample must match. */
async function verifyBatches(path: string, dynamic: boolean): Promise<QuantizeReport['dynamicBatch']> {
  const session = await loadSession(path);
  try {
    const input = session.inputs[0]!;
    const shape = input.shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : 112));
    const per = shape.reduce((a, b) => a * b, 1);
    const run = async (n: number): Promise<Float32Array> => {
      const data = new Float32Array(n * per);
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001 + Math.floor(i / per)) * 0.9;
      const feed: Tensor = { type: 'float32', data, dims: [n, ...shape] };
      return Object.values(await session.run({ [input.name]: feed }))[0]!.data as Float32Array;
    };
    const one = await run(1);
    if (!dynamic) return undefined;
    const eight = await run(8);
    // Sample 0 of the batch of 8 is the batch-1 input: the outputs must agree.
    let maxDiff = 0;
    for (let i = 0; i < one.length; i++) maxDiff = Math.max(maxDiff, Math.abs(one[i]! - eight[i]!));
    return { batch1: one.length > 0, batch8: eight.length === one.length * 8, maxDiff };
  } finally {
    await session.dispose();
  }
}

export async function quantizeModel(options: QuantizeOptions): Promise<QuantizeReport> {
  const source = readModel(options.model);
  const manifest = sourceManifest(options.model);
  const model = cloneModel(source);
  const dynamic = options.dynamicBatch ? makeBatchDynamic(model) : false;
  const { calibration, heldBack, skipped } = await faces(options, options.mode === 'int8');
  if (options.mode === 'int8' && !manifest) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `${options.model} has no manifest (no ${basename(options.model)}.manifest.json beside it, and its sha256 is not in the registry): calibration needs its preprocessing`, {
      fix: `write ${options.model}.manifest.json (arcedge models verify local:<dir> prints a template)`,
    });
  }
  const method = options.method ?? QUANTIZE_DEFAULTS.method;
  const target = options.target ?? QUANTIZE_DEFAULTS.target;
  let written: Model;
  let int8: Awaited<ReturnType<typeof quantizeInt8>> | undefined;
  let keptFloat: QuantizeReport['keptFloat'] = [];
  if (options.mode === 'fp16') {
    const result = await convertToFp16(model, { keepFloatOps: options.fp32Ops ?? FP16_KEEP_FLOAT_OPS, keepFloatNodes: options.keepFloat });
    written = result.model;
    keptFloat = result.float32Nodes;
  } else {
    const feeds = calibrationFeeds(calibration.map((c) => c.crop), manifest!.input);
    int8 = await quantizeInt8(model, feeds, {
      method,
      percentile: options.percentile ?? INT8_DEFAULTS.percentile,
      keepFloat: options.keepFloat,
      target,
      quantizeOutputs: options.fuseOutputs ?? false,
      equalize: options.equalize,
      onProgress: (d, t) => options.onProgress?.('calibrate', d, t),
    });
    written = int8.model;
    keptFloat = int8.plan.keptFloat;
  }
  const bytes = encodeModel(written);
  try {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, bytes);
  } catch (cause) {
    throw new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot write ${options.out}: ${(cause as Error).message}`, { cause, fix: `make ${dirname(options.out)} writable, or pass another --out` });
  }
  let manifestPath: string | undefined;
  if (manifest) {
    manifestPath = `${options.out}.manifest.json`;
    const shape = dynamic ? ['batch', ...manifest.input.shape.slice(1)] : manifest.input.shape;
    const sidecar: ModelManifest = {
      ...manifest,
      id: `${manifest.id}-${options.mode}`,
      file: basename(options.out),
      input: { ...manifest.input, shape },
      sources: [],
      sha256: sha256(bytes),
      sha256Origin: 'computed',
      bytes: bytes.length,
      precision: options.mode,
      description: `${manifest.id} quantized by arcedge quantize (${options.mode}${options.mode === 'int8' ? `, ${method}, ${target}` : ''})`,
    };
    writeFileSync(manifestPath, `${JSON.stringify(ModelManifestSchema.parse(sidecar), null, 2)}\n`);
  }
  const dynamicBatch = await verifyBatches(options.out, dynamic);

  const report: QuantizeReport = {
    model: options.model,
    out: options.out,
    manifest: manifestPath,
    mode: options.mode,
    ...(options.mode === 'int8' ? { method, target, quantizedNodes: int8!.plan.quantizedNodes.length, equalizedChains: int8!.equalizedChains, calibrationFaces: calibration.length } : {}),
    sizeBytes: { fp32: statSync(options.model).size, quantized: bytes.length },
    ...(dynamicBatch ? { dynamicBatch } : {}),
    keptFloat,
    unknownOps: int8?.plan.unknownOps ?? [],
    skippedImages: skipped,
  };
  if (!manifest || manifest.task !== 'embed') return report;
  const evalFaces = heldBack.length > 0 ? heldBack : calibration;
  if (evalFaces.length === 0) return report;
  options.onProgress?.('evaluate', 0, 1);
  const evalManifest = { ...manifest, input: { ...manifest.input } };
  const accuracy = await compareEmbeddings(options.model, options.out, evalManifest, evalFaces);
  const latency = await measureLatency(options.model, options.out, evalManifest, evalFaces[0]!.crop);
  const opTimes = { fp32: await profileOps(options.model, evalManifest, evalFaces[0]!.crop), quantized: await profileOps(options.out, evalManifest, evalFaces[0]!.crop) };
  let int8Layers: Pick<QuantizeReport, 'ranges' | 'layerErrors'> = {};
  if (int8) {
    const sample = calibrationFeeds(evalFaces.slice(0, 8).map((c) => c.crop), manifest.input);
    const nodes = int8.plan.quantizedNodes;
    const errors = new Map((await layerErrors(int8.reference, written, nodes.map((q) => q.output), sample)).map((e) => [e.tensor, e]));
    const layerErrorList = nodes.flatMap((q) => (errors.has(q.output) ? [{ node: q.name, op: q.op, ...errors.get(q.output)! }] : []));
    int8Layers = { ranges: int8.ranges, layerErrors: layerErrorList };
  }
  options.onProgress?.('evaluate', 1, 1);
  return { ...report, heldBackFaces: evalFaces.length, accuracy, latency, opTimes, ...int8Layers };
}
