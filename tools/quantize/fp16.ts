/**
 * FP16 conversion: float32 initializers and computation go to float16; the graph keeps float32
 * inputs and outputs (Cast nodes at the edges), so callers and manifests do not change.
 * Numerically sensitive ops (exp/log/normalisation/reductions, a configurable list) and nodes
 * named by the caller stay float32 with Casts around them.
 *
 * Element types of intermediate tensors come from onnxruntime's own inference (tensorTypes),
 * not from a hand-written table of op output types.
 */
import { castNode, consumersOf, dropUnusedInitializers, Names } from './graph.ts';
import { DT, float16Tensor, floatValues, type Model, type Node } from './onnx-io.ts';
import { tensorTypes } from './temp-session.ts';

/** Ops kept in float32 by default: fp16 overflows or loses too much in them. */
export const FP16_KEEP_FLOAT_OPS: readonly string[] = [
  'Exp', 'Log', 'Pow', 'Sqrt', 'Reciprocal', 'Softmax', 'LogSoftmax', 'ReduceSum', 'ReduceMean', 'ReduceL2', 'ReduceProd', 'LpNormalization',
  'LayerNormalization', 'InstanceNormalization', 'Resize', 'Upsample', 'Range', 'TopK', 'NonMaxSuppression', 'CumSum', 'If', 'Loop', 'Scan',
];

/** Inputs that stay float32 whatever the data type (Resize's roi and scales, Dropout's ratio). */
const FLOAT32_PARAMETER_INPUTS: Record<string, readonly number[]> = { Resize: [1, 2], Upsample: [1], Dropout: [1] };

export interface Fp16Options {
  /** Op types kept in float32 (default FP16_KEEP_FLOAT_OPS). */
  readonly keepFloatOps?: readonly string[];
  /** Node names kept in float32. */
  readonly keepFloatNodes?: readonly string[];
}

export interface Fp16Result {
  readonly model: Model;
  /** Nodes left in float32, with why. */
  readonly float32Nodes: { name: string; op: string; reason: 'sensitive-op' | 'requested' }[];
  readonly castsAdded: number;
}

export async function convertToFp16(model: Model, options: Fp16Options = {}): Promise<Fp16Result> {
  const keepOps = new Set(options.keepFloatOps ?? FP16_KEEP_FLOAT_OPS);
  const keepNodes = new Set(options.keepFloatNodes ?? []);
  const graph = model.graph!;
  const types = await tensorTypes(model);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const isFloat32 = (name: string): boolean => {
    const init = initializers.get(name);
    if (init) return init.dataType === DT.FLOAT;
    const input = graph.input?.find((i) => i.name === name);
    if (input) return input.type?.tensorType?.elemType === DT.FLOAT;
    return types.get(name) === 'float32';
  };
  const float32Nodes: Fp16Result['float32Nodes'] = [];
  const keeps32 = (node: Node): boolean => keepOps.has(node.opType ?? '') || keepNodes.has(node.name ?? '');
  for (const node of graph.node ?? []) {
    if (keepNodes.has(node.name ?? '')) float32Nodes.push({ name: node.name ?? '', op: node.opType ?? '', reason: 'requested' });
    else if (keepOps.has(node.opType ?? '')) float32Nodes.push({ name: node.name ?? '', op: node.opType ?? '', reason: 'sensitive-op' });
  }

  // Precision of every float tensor as the rewritten graph produces it.
  const half = new Set<string>();
  const consumers = consumersOf(graph);
  for (const [name, tensor] of initializers) {
    if (tensor.dataType !== DT.FLOAT) continue;
    const users = consumers.get(name) ?? [];
    if (users.length > 0 && users.every(keeps32)) continue; // only float32 nodes read it
    const index = graph.initializer!.indexOf(tensor);
    graph.initializer![index] = float16Tensor(name, (tensor.dims ?? []).map(Number), floatValues(tensor));
    half.add(name);
  }
  for (const node of graph.node ?? []) {
    if (keeps32(node)) continue;
    for (const out of node.output ?? []) if (isFloat32(out)) half.add(out);
  }

  const names = new Names(graph);
  const casts = new Map<string, string>(); // `${tensor}->${type}` -> cast output name
  const rewritten: Node[] = [];
  const castTo = (tensor: string, to: number): string => {
    const key = `${tensor}->${to}`;
    let out = casts.get(key);
    if (!out) {
      out = names.fresh(`${tensor}_${to === DT.FLOAT16 ? 'fp16' : 'fp32'}`);
      rewritten.push(castNode(tensor, out, to, names.fresh(`Cast_${out}`)));
      casts.set(key, out);
    }
    return out;
  };

  // Graph outputs stay float32: their producers write `<name>_fp16`, a Cast writes the name.
  const outputRenames = new Map<string, string>();
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    if (half.has(name) && !initializers.has(name)) outputRenames.set(name, names.fresh(`${name}_fp16`));
  }
  const read = (tensor: string): string => outputRenames.get(tensor) ?? tensor;

  for (const node of graph.node ?? []) {
    const want32 = keeps32(node);
    const skip = FLOAT32_PARAMETER_INPUTS[node.opType ?? ''] ?? [];
    node.input = (node.input ?? []).map((input, i) => {
      if (!input || skip.includes(i)) return input;
      const source = read(input);
      if (half.has(input)) return want32 ? castTo(source, DT.FLOAT) : source;
      if (!want32 && isFloat32(input)) return castTo(input, DT.FLOAT16);
      return source;
    });
    if (!want32) retypeAttributes(node);
    node.output = (node.output ?? []).map((o) => outputRenames.get(o) ?? o);
    rewritten.push(node);
  }
  for (const [original, renamed] of outputRenames) rewritten.push(castNode(renamed, original, DT.FLOAT, names.fresh(`Cast_${original}_out`)));
  graph.node = rewritten;

  for (const info of graph.valueInfo ?? []) {
    if (half.has(info.name ?? '') && info.type?.tensorType) info.type.tensorType.elemType = DT.FLOAT16;
  }
  dropUnusedInitializers(graph);
  return { model, float32Nodes, castsAdded: casts.size + outputRenames.size };
}

/** Casts to float and float constants inside the fp16 region become float16. */
function retypeAttributes(node: Node): void {
  for (const attr of node.attribute ?? []) {
    if (node.opType === 'Cast' && attr.name === 'to' && Number(attr.i) === DT.FLOAT) attr.i = DT.FLOAT16;
    if ((node.opType === 'Constant' || node.opType === 'ConstantOfShape') && attr.name === 'value' && attr.t?.dataType === DT.FLOAT) {
      attr.t = float16Tensor(attr.t.name ?? '', (attr.t.dims ?? []).map(Number), floatValues(attr.t));
    }
  }
}
