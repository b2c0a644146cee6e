/**
 * INT8 static quantization in Q/DQ form. Around each Conv, MatMul and Gemm:
 *
 *   x -> QuantizeLinear -> DequantizeLinear -> Conv -> QuantizeLinear -> DequantizeLinear -> y
 *   W(int8, per output channel) -> DequantizeLinear(axis) -^
 *   b(int32, scale s_x * s_w[c]) -> DequantizeLinear -^        (target cpu; float for tensorrt)
 *
 * Weights: per-channel symmetric int8 in [-127, 127], zero point 0. Activations: per-tensor
 * symmetric int8, zero point 0 (an explicit int8 zero point: without one QuantizeLinear means
 * uint8). onnxruntime's CPU QDQ selectors fuse "DQ -> Conv -> Q" into QLinearConv (and MatMul
 * into QLinearMatMul) only when every input, bias included, comes from a DequantizeLinear, hence
 * the int32 bias on the cpu target. TensorRT's parser refuses int32 DequantizeLinear inputs
 * ("only activation types allowed", onnx/onnx-tensorrt#850, microsoft/onnxruntime#14229) and
 * fuses a float bias itself, hence the tensorrt target.
 *
 * Ops the quantizer knows but leaves in float (PRelu, Add, pooling, reshapes, ...) sit between
 * DequantizeLinear and the next QuantizeLinear. Ops it does not know are left alone too and
 * listed, so the report says where float remains.
 */
import { ArcEdgeError } from '../../sdk/index.ts';
import { dropUnusedInitializers, Names } from './graph.ts';
import { dims, floatTensor, floatValues, int32Tensor, int8Tensor, intAttribute, makeNode, type Graph, type Model, type Node, type TensorProto } from './onnx-io.ts';

export const QUANTIZED_OPS: readonly string[] = ['Conv', 'MatMul', 'Gemm'];

/** Ops the quantizer knows and deliberately keeps in float between Q/DQ pairs. */
export const FLOAT_OPS: ReadonlySet<string> = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'PRelu', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu',
  'BatchNormalization', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze',
  'Transpose', 'Concat', 'Split', 'Slice', 'Gather', 'Shape', 'Identity', 'Dropout', 'Cast', 'Constant', 'ConstantOfShape', 'Pad',
  'Resize', 'Upsample', 'Softmax', 'ReduceMean', 'ReduceL2', 'LpNormalization', 'Sqrt', 'Pow', 'Exp', 'Log', 'Neg', 'Abs', 'Max', 'Min',
  'Sum', 'Mean', 'Expand', 'Tile', 'Where', 'Equal', 'Greater', 'Less', 'Not', 'Erf',
]);

export type Target = 'cpu' | 'tensorrt';

export interface QuantizedNode {
  readonly node: Node;
  /** Float tensors quantized per tensor on this node's inputs. */
  readonly activationInputs: string[];
  /** [input index, initializer, per-channel axis] of the weight, when it is an initializer. */
  readonly weight?: { index: number; tensor: TensorProto; axis: number };
  /** Bias initializer (Conv input 2, Gemm input 2 when alpha = beta = 1 and it is 1-D). */
  readonly bias?: TensorProto;
  readonly output: string;
}

export interface QdqPlan {
  readonly quantized: QuantizedNode[];
  /** Every tensor that needs an activation scale (inputs and outputs of quantized nodes). */
  readonly activations: string[];
  readonly keptFloat: { name: string; op: string; reason: string }[];
  readonly unknownOps: { name: string; op: string }[];
  /** Q/DQ on outputs too (onnxruntime fuses QLinearConv only then); inputs only otherwise (TensorRT's placement). */
  readonly quantizeOutputs: boolean;
}

function weightAxis(node: Node, weight: TensorProto): number | undefined {
  const rank = dims(weight).length;
  if (node.opType === 'Conv') return rank >= 3 ? 0 : undefined;
  if (node.opType === 'MatMul') return rank === 2 ? 1 : undefined;
  if (node.opType === 'Gemm') return rank === 2 ? ((intAttribute(node, 'transB') ?? 0) === 1 ? 0 : 1) : undefined;
  return undefined;
}

/**
 * Which nodes get Q/DQ. `keepFloat` names nodes to leave in float; "first" and "last" name the
 * first and last quantizable nodes (the layers where int8 hurts a recognizer most).
 */
export function planQdq(model: Model, keepFloat: readonly string[] = [], quantizeOutputs = true): QdqPlan {
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const nodes = graph.node ?? [];
  const candidates = nodes.filter((n) => QUANTIZED_OPS.includes(n.opType ?? '') && !n.domain);
  const known = new Set(nodes.map((n) => n.name));
  const missing = keepFloat.filter((k) => k !== 'first' && k !== 'last' && !known.has(k));
  if (missing.length > 0) {
    throw new ArcEdgeError('CONFIG_INVALID', `--keep-float names nodes the model does not have: ${missing.join(', ')}`, {
      fix: `use "first", "last" or node names such as ${candidates.slice(0, 5).map((n) => n.name).join(', ')} (the report lists every layer)`,
      details: { missing },
    });
  }
  const keep = new Map<string, string>();
  if (keepFloat.includes('first') && candidates[0]) keep.set(candidates[0].name ?? '', 'first layer (requested)');
  if (keepFloat.includes('last') && candidates.length > 0) keep.set(candidates[candidates.length - 1]!.name ?? '', 'last layer (requested)');
  for (const k of keepFloat) if (k !== 'first' && k !== 'last') keep.set(k, 'requested');

  const quantized: QuantizedNode[] = [];
  const keptFloat: QdqPlan['keptFloat'] = [];
  const unknownOps: QdqPlan['unknownOps'] = [];
  for (const node of nodes) {
    const name = node.name ?? '';
    const op = node.opType ?? '';
    if (!QUANTIZED_OPS.includes(op) || node.domain) {
      if (keep.has(name)) keptFloat.push({ name, op, reason: keep.get(name)! });
      else if (!FLOAT_OPS.has(op) || node.domain) unknownOps.push({ name, op: node.domain ? `${node.domain}.${op}` : op });
      continue;
    }
    if (keep.has(name)) {
      keptFloat.push({ name, op, reason: keep.get(name)! });
      continue;
    }
    const inputs = node.input ?? [];
    const weightTensor = initializers.get(inputs[1] ?? '');
    const axis = weightTensor && weightTensor.dataType === 1 ? weightAxis(node, weightTensor) : undefined;
    const weight = weightTensor && axis !== undefined ? { index: 1, tensor: weightTensor, axis } : undefined;
    const activationInputs = [inputs[0]!, ...(weight ? [] : [inputs[1]!])].filter((t) => t && !initializers.has(t));
    let bias: TensorProto | undefined;
    const biasTensor = initializers.get(inputs[2] ?? '');
    const unitGemm = op !== 'Gemm' || ((node.attribute ?? []).every((a) => (a.name !== 'alpha' && a.name !== 'beta') || a.f === 1));
    if (weight && biasTensor && biasTensor.dataType === 1 && dims(biasTensor).length === 1 && unitGemm) bias = biasTensor;
    if (inputs[2] && !bias) {
      keptFloat.push({ name, op, reason: 'bias is not a 1-D float initializer' });
      continue;
    }
    quantized.push({ node, activationInputs, weight, bias, output: (node.output ?? [])[0]! });
  }
  const activations = [...new Set(quantized.flatMap((q) => [...q.activationInputs, ...(quantizeOutputs ? [q.output] : [])]))];
  return { quantized, activations, keptFloat, unknownOps, quantizeOutputs };
}

export interface WeightScales {
  readonly node: string;
  readonly weight: string;
  readonly axis: number;
  readonly scales: Float32Array;
}

interface Quantized {
  int8: Int8Array;
  scales: Float32Array;
}

/** Symmetric per-channel int8 along `axis` of a rank-2+ tensor: scale = max|w_c| / 127. */
export function quantizeWeights(values: Float32Array, shape: readonly number[], axis: number): Quantized {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number): number => Math.floor(i / inner) % channels;
  const absMax = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    absMax[c] = Math.max(absMax[c]!, Math.abs(values[i]!));
  }
  // Dead channels (fr_feature_512 has weights of ~1e-42, denormals) get scale 1 and all-zero
  // values: a denormal scale loses its precision and makes bias scales denormal too.
  const scales = absMax.map((m) => (m > 1e-12 ? m / 127 : 1));
  const int8 = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    int8[i] = absMax[c]! > 1e-12 ? Math.max(-127, Math.min(127, Math.round(values[i]! / scales[c]!))) : 0;
  }
  return { int8, scales };
}

/**
 * Rewrites the graph with Q/DQ nodes. `amax` holds each activation's calibrated magnitude.
 * Returns the per-channel weight scales written (for the report and tests).
 */
export function applyQdq(model: Model, plan: QdqPlan, amax: ReadonlyMap<string, number>, target: Target): WeightScales[] {
  const quantizeOutputs = plan.quantizeOutputs;
  const graph = model.graph!;
  const names = new Names(graph);
  const inits = graph.initializer!;
  const zeroPoint = names.fresh('int8_zero_point');
  inits.push(int8Tensor(zeroPoint, [], new Int8Array(1)));
  const scaleOf = new Map<string, { name: string; value: number }>();
  const activationScale = (tensor: string): { name: string; value: number } => {
    let scale = scaleOf.get(tensor);
    if (!scale) {
      const value = (amax.get(tensor) ?? missingScale(tensor)) / 127;
      scale = { name: names.fresh(`${tensor}_scale`), value };
      inits.push(floatTensor(scale.name, [], Float32Array.of(value)));
      scaleOf.set(tensor, scale);
    }
    return scale;
  };
  const planned = new Map(plan.quantized.map((q) => [q.node, q]));
  const dequantized = new Map<string, string>(); // float tensor -> its Q/DQ'd copy
  const weightDq = new Map<string, string>();
  const weightScales: WeightScales[] = [];
  const out: Node[] = [];

  const qdq = (tensor: string): string => {
    let dq = dequantized.get(tensor);
    if (!dq) {
      const scale = activationScale(tensor);
      const q = names.fresh(`${tensor}_quantized`);
      dq = names.fresh(`${tensor}_dequantized`);
      out.push(makeNode('QuantizeLinear', [tensor, scale.name, zeroPoint], [q], names.fresh(`${tensor}_QuantizeLinear`)));
      out.push(makeNode('DequantizeLinear', [q, scale.name, zeroPoint], [dq], names.fresh(`${tensor}_DequantizeLinear`)));
      dequantized.set(tensor, dq);
    }
    return dq;
  };

  for (const node of graph.node ?? []) {
    const q = planned.get(node);
    if (!q) {
      out.push(node);
      continue;
    }
    const inputs = [...(node.input ?? [])];
    for (const [i, input] of inputs.entries()) if (q.activationInputs.includes(input)) inputs[i] = qdq(input);
    if (q.weight) {
      const { tensor, axis, index } = q.weight;
      const key = `${tensor.name}@${axis}`;
      let dq = weightDq.get(key);
      const shape = dims(tensor);
      const { int8, scales } = quantizeWeights(floatValues(tensor), shape, axis);
      if (dq === undefined) {
        const base = tensor.name ?? 'weight';
        const [qName, sName, zName] = [names.fresh(`${base}_quantized`), names.fresh(`${base}_scale`), names.fresh(`${base}_zero_point`)];
        inits.push(int8Tensor(qName, shape, int8), floatTensor(sName, [scales.length], scales), int8Tensor(zName, [scales.length], new Int8Array(scales.length)));
        dq = names.fresh(`${base}_dequantized`);
        out.push(makeNode('DequantizeLinear', [qName, sName, zName], [dq], names.fresh(`${base}_DequantizeLinear`), { axis }));
        weightDq.set(key, dq);
      }
      inputs[index] = dq;
      weightScales.push({ node: node.name ?? '', weight: tensor.name ?? '', axis, scales });
      if (q.bias && target === 'cpu') inputs[2] = quantizeBias(q.bias, scales, activationScale(q.activationInputs[0]!).value, names, inits, out);
    }
    node.input = inputs;
    if (!quantizeOutputs) {
      out.push(node);
      continue;
    }
    // The node writes `<y>_float`; Q/DQ turn it back into `<y>`, so consumers and graph outputs keep their names.
    const floatOut = names.fresh(`${q.output}_float`);
    node.input = inputs;
    node.output = [floatOut, ...(node.output ?? []).slice(1)];
    out.push(node);
    const scale = activationScale(q.output);
    const quantizedOut = names.fresh(`${q.output}_quantized`);
    out.push(makeNode('QuantizeLinear', [floatOut, scale.name, zeroPoint], [quantizedOut], names.fresh(`${q.output}_QuantizeLinear`)));
    out.push(makeNode('DequantizeLinear', [quantizedOut, scale.name, zeroPoint], [q.output], names.fresh(`${q.output}_DequantizeLinear`)));
    dequantized.set(q.output, q.output);
  }
  graph.node = out;
  dropStaleValueInfo(graph);
  dropUnusedInitializers(graph);
  return weightScales;
}

/** int32 bias with scale s_x * s_w[c] and no zero point: what QLinearConv's bias means. */
function quantizeBias(bias: TensorProto, weightScales: Float32Array, inputScale: number, names: Names, inits: TensorProto[], out: Node[]): string {
  const values = floatValues(bias);
  const scales = Float32Array.from(values, (_, c) => inputScale * weightScales[weightScales.length === 1 ? 0 : c]!);
  const int32 = Int32Array.from(values, (v, c) => Math.max(-2147483647, Math.min(2147483647, Math.round(v / scales[c]!))));
  const base = bias.name ?? 'bias';
  const [qName, sName, dq] = [names.fresh(`${base}_quantized`), names.fresh(`${base}_scale`), names.fresh(`${base}_dequantized`)];
  inits.push(int32Tensor(qName, [values.length], int32), floatTensor(sName, [values.length], scales));
  out.push(makeNode('DequantizeLinear', [qName, sName], [dq], names.fresh(`${base}_DequantizeLinear`), { axis: 0 }));
  return dq;
}

function missingScale(tensor: string): never {
  throw new ArcEdgeError('INVALID_ARGUMENT', `no calibration range for tensor ${tensor}`, { fix: 'collect activation statistics for every tensor the plan lists' });
}

/** Value infos of renamed node outputs would now describe the wrong tensor: drop those. */
function dropStaleValueInfo(graph: Graph): void {
  const produced = new Set((graph.node ?? []).flatMap((n) => n.output ?? []));
  const inputs = new Set((graph.input ?? []).map((i) => i.name));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => produced.has(v.name ?? '') || inputs.has(v.name ?? ''));
}
