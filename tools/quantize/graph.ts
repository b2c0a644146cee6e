/**
 * Graph bookkeeping shared by the FP16 and INT8 rewrites: fresh tensor names, producers and
 * consumers, dropping dead initializers, and raising the default-domain opset to 13 (the first
 * opset whose QuantizeLinear/DequantizeLinear take a per-channel `axis`).
 */
import { ArcEdgeError } from '../../sdk/index.ts';
import { int64Tensor, floatTensor, makeNode, num, type Graph, type Model, type Node } from './onnx-io.ts';

export const QDQ_OPSET = 13;

const isDefaultDomain = (domain: string | null | undefined): boolean => !domain || domain === 'ai.onnx';

export function defaultOpset(model: Model): number {
  const entry = model.opsetImport.find((o) => isDefaultDomain(o.domain));
  return entry ? num(entry.version as number) : 0;
}

/** Hands out tensor/node names not yet used anywhere in the graph. */
export class Names {
  private readonly used = new Set<string>();
  constructor(graph: Graph) {
    for (const t of graph.initializer ?? []) this.used.add(t.name ?? '');
    for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) this.used.add(v.name ?? '');
    for (const n of graph.node ?? []) {
      this.used.add(n.name ?? '');
      for (const t of [...(n.input ?? []), ...(n.output ?? [])]) this.used.add(t);
    }
  }
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/** Every node gets a name: reports and --keep-float refer to nodes by it. */
export function nameNodes(graph: Graph): void {
  const names = new Names(graph);
  (graph.node ?? []).forEach((n, i) => {
    if (!n.name) n.name = names.fresh(`${n.opType}_${i}`);
  });
}

export function consumersOf(graph: Graph): Map<string, Node[]> {
  const map = new Map<string, Node[]>();
  for (const node of graph.node ?? []) {
    for (const input of node.input ?? []) {
      if (!input) continue;
      const list = map.get(input) ?? [];
      list.push(node);
      map.set(input, list);
    }
  }
  return map;
}

/** Drops initializers no node or graph output reads (replaced float weights). */
export function dropUnusedInitializers(graph: Graph): void {
  const read = new Set<string>([...(graph.node ?? []).flatMap((n) => n.input ?? []), ...(graph.output ?? []).map((o) => o.name ?? '')]);
  graph.initializer = (graph.initializer ?? []).filter((t) => read.has(t.name ?? ''));
}

/**
 * Default-domain ops whose inference semantics did not change between opset 7 and 13, so raising
 * the model's opset import is a no-op for them (checked against the ONNX operator changelog).
 */
const UNCHANGED_TO_13 = new Set([
  'Abs', 'Add', 'And', 'ArgMax', 'ArgMin', 'AveragePool', 'BatchNormalization', 'Cast', 'Ceil', 'Concat', 'Constant', 'ConstantOfShape',
  'Conv', 'ConvTranspose', 'Div', 'Elu', 'Equal', 'Erf', 'Exp', 'Expand', 'Flatten', 'Floor', 'Gather', 'Gemm', 'GlobalAveragePool',
  'GlobalMaxPool', 'Greater', 'HardSigmoid', 'Identity', 'InstanceNormalization', 'LRN', 'LeakyRelu', 'Less', 'Log', 'MatMul', 'Max',
  'MaxPool', 'Mean', 'Min', 'Mul', 'Neg', 'Not', 'Or', 'PRelu', 'Pow', 'Reciprocal', 'ReduceL2', 'ReduceMax', 'ReduceMean', 'ReduceMin',
  'ReduceProd', 'Relu', 'Reshape', 'Selu', 'Shape', 'Sigmoid', 'Sign', 'Softplus', 'Softsign', 'Sqrt', 'Sub', 'Sum', 'Tanh', 'Tile',
  'Transpose', 'Where', 'Dropout', 'Squeeze', 'Unsqueeze', 'Clip', 'ReduceSum', 'Split', 'Pad', 'Slice',
]);

/** Old-schema attributes that opset 13 takes as inputs: [attribute, input index, kind]. */
const ATTRIBUTES_TO_INPUTS: Record<string, [string, number, 'ints' | 'float'][]> = {
  Squeeze: [['axes', 1, 'ints']],
  Unsqueeze: [['axes', 1, 'ints']],
  ReduceSum: [['axes', 1, 'ints']],
  Split: [['split', 1, 'ints']],
  Clip: [['min', 1, 'float'], ['max', 2, 'float']],
  Pad: [['pads', 1, 'ints'], ['value', 2, 'float']],
  Slice: [['starts', 1, 'ints'], ['ends', 2, 'ints'], ['axes', 3, 'ints']],
};

/**
 * Raises the default-domain opset to 13 when it is lower: attributes that became inputs are
 * moved to initializers, Dropout (inference: identity) loses its old `ratio`, and any op whose
 * meaning changed in a way that cannot be rewritten (Softmax's 2-D coercion, Upsample) is
 * QUANTIZE_UNSUPPORTED, naming the nodes.
 */
export function raiseOpsetTo13(model: Model): void {
  const version = defaultOpset(model);
  if (version >= QDQ_OPSET) return;
  const graph = model.graph!;
  const blocked = (graph.node ?? []).filter((n) => isDefaultDomain(n.domain) && !UNCHANGED_TO_13.has(n.opType ?? ''));
  if (blocked.length > 0) {
    throw new ArcEdgeError('QUANTIZE_UNSUPPORTED', `the model is opset ${version}; INT8 Q/DQ needs opset ${QDQ_OPSET}, and these nodes changed meaning since: ${blocked.slice(0, 10).map((n) => `${n.name} (${n.opType})`).join(', ')}`, {
      fix: `re-export the model at opset ${QDQ_OPSET} or newer (torch.onnx.export(..., opset_version=13)); FP16 needs no opset change`,
      details: { ops: [...new Set(blocked.map((n) => n.opType))] },
    });
  }
  const names = new Names(graph);
  for (const node of graph.node ?? []) {
    if (node.opType === 'Dropout') node.attribute = (node.attribute ?? []).filter((a) => a.name !== 'ratio' && a.name !== 'is_test');
    const moves = ATTRIBUTES_TO_INPUTS[node.opType ?? ''];
    if (!moves) continue;
    for (const [attrName, index, kind] of moves) {
      const attr = node.attribute?.find((a) => a.name === attrName);
      if (!attr) continue;
      const tensorName = names.fresh(`${node.name}_${attrName}`);
      const ints = (attr.ints ?? []).map((v) => num(v as number));
      graph.initializer!.push(kind === 'ints' ? int64Tensor(tensorName, [ints.length], ints) : floatTensor(tensorName, [], Float32Array.of(attr.f ?? 0)));
      const inputs = [...(node.input ?? [])];
      while (inputs.length < index) inputs.push('');
      inputs[index] = tensorName;
      node.input = inputs;
      node.attribute = (node.attribute ?? []).filter((a) => a !== attr);
    }
  }
  for (const entry of model.opsetImport) if (isDefaultDomain(entry.domain)) entry.version = QDQ_OPSET;
  // Opset 13 needs IR version 7 or later.
  if (num(model.irVersion as number) < 7) model.irVersion = 7;
}

/** A Cast node (`to` is a TensorProto.DataType). */
export function castNode(input: string, output: string, to: number, name: string): Node {
  return makeNode('Cast', [input], [output], name, { to });
}
