/**
 * Per-channel equalization before INT8 (the activation/weight balance of SmoothQuant, Xiao et
 * al. 2022, with alpha 0.5; the same idea as cross-layer equalization, Nagel et al. 2019).
 *
 * A per-tensor int8 scale cannot serve a tensor whose channels differ by 100x in magnitude
 * (mobilefacenet_paddle_128's PRelu outputs: a few channels reach |x| 50-80, most stay below 2).
 * For a chain Conv1 -> PRelu -> Conv2 (or Conv1 -> Conv2) where nothing else reads the middle
 * tensors, channel c of the middle tensor can be divided by s_c and Conv2's weights for that
 * input channel multiplied by s_c without changing the function: a convolution is linear and
 * PRelu is positively homogeneous (PRelu(x / s) = PRelu(x) / s for s > 0, per-channel slope).
 * s_c = sqrt(max|x_c| / max|W2[:, c]|) moves half of the spread from the activation into the
 * (per-channel quantized) weights.
 */
import type { Tensor } from '../../sdk/index.ts';
import type { CalibrationFeeds } from './activation-stats.ts';
import { consumersOf } from './graph.ts';
import { dims, floatTensor, floatValues, intAttribute, type Model, type Node, type TensorProto } from './onnx-io.ts';
import { withTempSession } from './temp-session.ts';

interface Chain {
  readonly conv1: Node;
  readonly prelu?: Node;
  readonly conv2: Node;
  /** The tensor Conv2 reads (PRelu output, or Conv1 output). */
  readonly middle: string;
}

function chains(model: Model): Chain[] {
  const graph = model.graph!;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumers = consumersOf(graph);
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  const only = (tensor: string): Node | undefined => {
    const list = consumers.get(tensor) ?? [];
    return list.length === 1 && !outputs.has(tensor) ? list[0] : undefined;
  };
  const found: Chain[] = [];
  for (const conv1 of graph.node ?? []) {
    if (conv1.opType !== 'Conv' || !inits.has(conv1.input?.[1] ?? '')) continue;
    let next = only(conv1.output![0]!);
    let prelu: Node | undefined;
    if (next?.opType === 'PRelu') {
      const slope = inits.get(next.input?.[1] ?? '');
      if (!slope || next.input![0] !== conv1.output![0]) continue;
      prelu = next;
      next = only(next.output![0]!);
    }
    if (!next || next.opType !== 'Conv' || !inits.has(next.input?.[1] ?? '')) continue;
    const middle = (prelu ?? conv1).output![0]!;
    if (next.input![0] !== middle) continue;
    found.push({ conv1, prelu, conv2: next, middle });
  }
  return found;
}

/** max |x| per channel (axis 1) of each tensor over the samples. */
async function channelMax(model: Model, tensors: readonly string[], feeds: CalibrationFeeds): Promise<Map<string, Float32Array>> {
  return withTempSession(
    model,
    async (session) => {
      const out = new Map<string, Float32Array>();
      for (const sample of feeds.samples) {
        const input: Tensor = { type: 'float32', data: sample, dims: feeds.dims };
        const result = await session.run({ [feeds.inputName]: input });
        for (const t of tensors) {
          const value = result[t];
          if (!value) continue;
          const channels = value.dims[1] ?? 1;
          const inner = (value.data.length / (value.dims[0] ?? 1)) / channels;
          const max = out.get(t) ?? new Float32Array(channels);
          const data = value.data as Float32Array;
          for (let i = 0; i < data.length; i++) {
            const c = Math.floor(i / inner) % channels;
            const v = Math.abs(data[i]!);
            if (v > max[c]!) max[c] = v;
          }
          out.set(t, max);
        }
      }
      return out;
    },
    { exposing: tensors },
  );
}

/** Swaps in new values; `inits` follows, since one Conv can end one chain and start the next. */
function replace(model: Model, inits: Map<string, TensorProto>, tensor: TensorProto, values: Float32Array): void {
  const list = model.graph!.initializer!;
  const next = floatTensor(tensor.name ?? '', dims(tensor), values);
  list[list.indexOf(tensor)] = next;
  inits.set(tensor.name ?? '', next);
}

/** Rescales every eligible chain in place; returns how many were equalized. */
export async function equalizeChannels(model: Model, feeds: CalibrationFeeds): Promise<number> {
  const found = chains(model);
  if (found.length === 0) return 0;
  const ranges = await channelMax(model, found.map((c) => c.middle), feeds);
  const inits = new Map((model.graph!.initializer ?? []).map((t) => [t.name ?? '', t]));
  let count = 0;
  for (const chain of found) {
    const act = ranges.get(chain.middle);
    const w1 = inits.get(chain.conv1.input![1]!)!;
    const w2 = inits.get(chain.conv2.input![1]!)!;
    const shape1 = dims(w1);
    const shape2 = dims(w2);
    const channels = shape1[0]!;
    const group = intAttribute(chain.conv2, 'group') ?? 1;
    const depthwise = group === channels && shape2[0] === channels && shape2[1] === 1;
    if (!act || act.length !== channels || (group !== 1 && !depthwise) || (!depthwise && shape2[1] !== channels)) continue;
    const v2 = floatValues(w2);
    const inner2 = shape2.slice(2).reduce((a, b) => a * b, 1);
    const inChannelOf = (i: number): number => (depthwise ? Math.floor(i / inner2) : Math.floor(i / inner2) % channels);
    const w2Max = new Float32Array(channels);
    for (let i = 0; i < v2.length; i++) w2Max[inChannelOf(i)] = Math.max(w2Max[inChannelOf(i)]!, Math.abs(v2[i]!));
    const s = Float32Array.from(act, (a, c) => (a > 1e-8 && w2Max[c]! > 1e-8 ? Math.min(100, Math.max(0.01, Math.sqrt(a / w2Max[c]!))) : 1));
    const v1 = floatValues(w1);
    const inner1 = v1.length / channels;
    replace(model, inits, w1, v1.map((v, i) => v / s[Math.floor(i / inner1)]!));
    const b1 = inits.get(chain.conv1.input?.[2] ?? '');
    if (b1) replace(model, inits, b1, floatValues(b1).map((v, c) => v / s[c]!));
    replace(model, inits, w2, v2.map((v, i) => v * s[inChannelOf(i)]!));
    count++;
  }
  return count;
}
