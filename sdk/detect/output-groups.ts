/**
 * Which graph output holds which (role, stride) tensor. Multi-level detectors (SCRFD,
 * YuNet) emit one tensor per role per stride; exports disagree on naming (insightface's
 * det_500m uses numeric names like '443' in graph order scores x3, boxes x3, kps x3;
 * other exports name them `score_8`, `bbox_8`, `kps_8`...), so the manifest says how to map.
 */
import { ArcEdgeError } from '../errors.ts';
import type { OutputSpec } from '../models/manifest.ts';
import type { Tensor } from '../runtime/types.ts';

/** names[role][strideIndex] = graph output name. */
export type OutputGroups = readonly (readonly string[])[];

/**
 * by-order: graph outputs are role-major (all strides of role 0, then role 1...).
 * by-name with `names`: the manifest lists the names in that same role-major order.
 * by-name without `names`: the conventional `<role>_<stride>` names (role aliases allowed,
 * e.g. `score` or `cls`) are looked up in the graph.
 */
export function groupOutputs(
  graphOutputs: readonly string[],
  spec: OutputSpec,
  roles: readonly (readonly string[])[],
  strides: readonly number[],
): OutputGroups {
  const expected = roles.length * strides.length;
  const roleNames = roles.map((aliases) => aliases[0]).join(', ');
  if (graphOutputs.length !== expected) {
    throw new ArcEdgeError('MODEL_IO_MISMATCH', `model has ${graphOutputs.length} outputs; a ${strides.length}-stride decoder of (${roleNames}) needs ${expected}`, {
      fix: 'check the manifest family/strides against the ONNX file',
      details: { graphOutputs },
    });
  }
  let flat: readonly string[];
  if (spec.mode === 'by-order') {
    flat = graphOutputs;
  } else if (spec.names && spec.names.length > 0) {
    if (spec.names.length !== expected) {
      throw new ArcEdgeError('MODEL_IO_MISMATCH', `outputs.names lists ${spec.names.length} names; expected ${expected} (${roleNames} for strides ${strides.join(', ')})`);
    }
    const missing = spec.names.filter((n) => !graphOutputs.includes(n));
    if (missing.length > 0) {
      throw new ArcEdgeError('MODEL_IO_MISMATCH', `outputs.names not in the model: ${missing.join(', ')}`, {
        fix: `use the graph's output names: ${graphOutputs.join(', ')}`,
      });
    }
    flat = spec.names;
  } else {
    const found: string[] = [];
    const missing: string[] = [];
    for (const aliases of roles) {
      for (const stride of strides) {
        const name = aliases.map((a) => `${a}_${stride}`).find((n) => graphOutputs.includes(n));
        if (name) found.push(name);
        else missing.push(`${aliases.join('|')}_${stride}`);
      }
    }
    if (missing.length > 0) {
      throw new ArcEdgeError('MODEL_IO_MISMATCH', `outputs are by-name but the model lacks ${missing.join(', ')}`, {
        fix: `list the names in outputs.names, or use mode "by-order"; the model has: ${graphOutputs.join(', ')}`,
      });
    }
    flat = found;
  }
  return roles.map((_, r) => flat.slice(r * strides.length, (r + 1) * strides.length));
}

/**
 * The float data of one output, checked to hold `rows` rows of `cols` values (any leading
 * batch dim of 1 is ignored: det_500m emits [N,1], YuNet [1,N,1]).
 */
export function outputRows(outputs: Readonly<Record<string, Tensor>>, name: string, rows: number, cols: number): Float32Array {
  const tensor = outputs[name];
  if (!tensor) throw new ArcEdgeError('MODEL_IO_MISMATCH', `the model returned no output "${name}"`);
  if (tensor.type !== 'float32' || !(tensor.data instanceof Float32Array)) {
    throw new ArcEdgeError('MODEL_IO_MISMATCH', `output ${name} is ${tensor.type}; detectors read float32`);
  }
  if (tensor.data.length !== rows * cols) {
    throw new ArcEdgeError('MODEL_IO_MISMATCH', `output ${name} has shape [${tensor.dims.join(',')}]; expected ${rows}x${cols} values for this input size`, {
      fix: 'check the output mapping (by-order vs by-name), strides and anchors per cell in the manifest',
    });
  }
  return tensor.data;
}
