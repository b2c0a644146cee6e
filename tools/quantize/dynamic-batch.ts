/**
 * --dynamic-batch: a model exported with a fixed batch of 1 (fr_feature_512: [1,3,112,112])
 * gets a symbolic batch axis. Graph inputs and outputs get dim 0 = "batch", intermediate value
 * infos lose their stale batch dims, and Reshape shape constants that hard-code the batch as 1
 * get 0 ("copy this dim from the input", Reshape's default allowzero = 0). A Reshape whose
 * constant folds the batch into another axis cannot be rewritten: QUANTIZE_UNSUPPORTED.
 * The caller verifies the result by running batch 1 and batch 8 (quantize.ts).
 */
import { ArcEdgeError } from '../../sdk/index.ts';
import { consumersOf } from './graph.ts';
import { int64Tensor, intValues, num, type Model, type ValueInfo } from './onnx-io.ts';

function setBatchParam(info: ValueInfo): boolean {
  const dim = info.type?.tensorType?.shape?.dim?.[0];
  if (!dim) return false;
  if (dim.dimParam) return false; // already dynamic
  if (num(dim.dimValue as number) !== 1) return false;
  dim.dimValue = null;
  dim.dimParam = 'batch';
  return true;
}

/** Returns true when the model changed (false: its batch axis was already dynamic). */
export function makeBatchDynamic(model: Model): boolean {
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const changedInputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(setBatchParam);
  if (!changedInputs.some(Boolean)) return false;
  const consumers = consumersOf(graph);
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Reshape') continue;
    const shapeName = node.input?.[1] ?? '';
    const shape = initializers.get(shapeName);
    if (!shape) continue; // computed at run time from Shape: already follows the batch
    const values = intValues(shape);
    if (values[0] === 0 || values[0] === -1) continue;
    if (values[0] !== 1) {
      throw new ArcEdgeError('QUANTIZE_UNSUPPORTED', `--dynamic-batch: Reshape ${node.name} reshapes to [${values.join(', ')}], which folds the batch into another axis`, {
        fix: 're-export the model with a dynamic batch axis (torch.onnx.export(..., dynamic_axes={"input": {0: "batch"}}))',
      });
    }
    const rewritten = int64Tensor(shapeName, [values.length], [0, ...values.slice(1)]);
    if ((consumers.get(shapeName) ?? []).length > 1) {
      rewritten.name = `${shapeName}_dynamic_batch`;
      graph.initializer!.push(rewritten);
      node.input![1] = rewritten.name;
    } else {
      graph.initializer![graph.initializer!.indexOf(shape)] = rewritten;
    }
  }
  for (const output of graph.output ?? []) setBatchParam(output);
  // Intermediate shapes were inferred for batch 1: let onnxruntime infer them again.
  graph.valueInfo = [];
  return true;
}
