/**
 * INT8 static quantization, in order: name the nodes, raise the opset to 13, plan which nodes
 * get Q/DQ, run the FP32 model on the calibration crops to collect activation statistics,
 * turn them into ranges with the chosen method, rewrite the graph.
 */
import type { Frame, ModelManifest } from '../../sdk/index.ts';

type InputSpec = ModelManifest['input'];
import { inputGeometry, writeInputSample } from '../../sdk/internal.ts';
import { collectActivationStats, type CalibrationFeeds } from './activation-stats.ts';
import { activationAmax, type CalibrationMethod } from './calibrate-methods.ts';
import { equalizeChannels } from './equalize.ts';
import { nameNodes, raiseOpsetTo13 } from './graph.ts';
import { cloneModel, type Model } from './onnx-io.ts';
import { applyQdq, planQdq, type QdqPlan, type Target, type WeightScales } from './qdq.ts';

export interface Int8Options {
  readonly method: CalibrationMethod;
  /** Percentile of |x| for method percentile (default 99.999). */
  readonly percentile?: number;
  readonly keepFloat?: readonly string[];
  readonly target?: Target;
  /** Q/DQ on the outputs of quantized nodes (default: on for target cpu, which needs them to fuse). */
  readonly quantizeOutputs?: boolean;
  /** Per-channel equalization of Conv -> PRelu -> Conv chains before calibration (default true). */
  readonly equalize?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface LayerRange {
  readonly tensor: string;
  readonly min: number;
  readonly max: number;
  /** The calibrated magnitude that maps to int8 127. */
  readonly amax: number;
}

export interface Int8Result {
  readonly model: Model;
  readonly plan: Pick<QdqPlan, 'keptFloat' | 'unknownOps'> & { quantizedNodes: { name: string; op: string; output: string }[] };
  readonly ranges: LayerRange[];
  readonly weightScales: WeightScales[];
  /** The FP32 model the ranges were measured on (equalized): per-layer errors compare against it. */
  readonly reference: Model;
  readonly equalizedChains: number;
}

export const INT8_DEFAULTS = { percentile: 99.999, target: 'cpu' as Target } as const;

/** One [1, C, H, W] input per crop, written exactly as the SDK's embedder writes it. */
export function calibrationFeeds(crops: readonly Frame[], spec: InputSpec): CalibrationFeeds {
  const g = inputGeometry(spec);
  const samples = crops.map((crop) => {
    const data = new Float32Array(g.channels * g.width * g.height);
    writeInputSample(crop, spec, data, 0);
    return data;
  });
  const dims = spec.layout === 'nhwc' ? [1, g.height, g.width, g.channels] : [1, g.channels, g.height, g.width];
  return { inputName: spec.name, samples, dims };
}

export async function quantizeInt8(source: Model, feeds: CalibrationFeeds, options: Int8Options): Promise<Int8Result> {
  const model = cloneModel(source);
  nameNodes(model.graph!);
  raiseOpsetTo13(model);
  const equalizedChains = options.equalize === false ? 0 : await equalizeChannels(model, feeds);
  const reference = cloneModel(model);
  const plan = planQdq(model, options.keepFloat, options.quantizeOutputs ?? (options.target ?? INT8_DEFAULTS.target) === 'cpu');
  const stats = await collectActivationStats(model, plan.activations, feeds, options.method, options.onProgress);
  const percentile = options.percentile ?? INT8_DEFAULTS.percentile;
  const amax = new Map<string, number>();
  const ranges: LayerRange[] = [];
  for (const [tensor, s] of stats) {
    const value = activationAmax(s, options.method, percentile);
    amax.set(tensor, value);
    ranges.push({ tensor, min: s.min, max: s.max, amax: value });
  }
  const quantizedNodes = plan.quantized.map((q) => ({ name: q.node.name ?? '', op: q.node.opType ?? '', output: q.output }));
  const weightScales = applyQdq(model, plan, amax, options.target ?? INT8_DEFAULTS.target);
  return { model, plan: { keptFloat: plan.keptFloat, unknownOps: plan.unknownOps, quantizedNodes }, ranges, weightScales, reference, equalizedChains };
}
