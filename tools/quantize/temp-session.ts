/**
 * Runs an edited ModelProto in onnxruntime through the SDK's loadSession (the SDK owns the
 * onnxruntime import): the model goes to a temporary file, is loaded, used and removed.
 * `exposing` adds intermediate tensors as graph outputs, the way calibration reads activations
 * (onnxruntime returns any tensor listed as an output; an output with only a name gets its type
 * and shape inferred).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSession, type InferenceSession, type SessionOptions } from '../../sdk/index.ts';
import { cloneModel, encodeModel, untypedValueInfo, type Model } from './onnx-io.ts';

export async function withTempSession<T>(
  model: Model,
  use: (session: InferenceSession) => Promise<T>,
  options: { exposing?: readonly string[]; session?: SessionOptions } = {},
): Promise<T> {
  let edited = model;
  if (options.exposing && options.exposing.length > 0) {
    edited = cloneModel(model);
    const graph = edited.graph!;
    const present = new Set([...(graph.output ?? []), ...(graph.input ?? [])].map((o) => o.name));
    for (const name of options.exposing) if (!present.has(name)) graph.output!.push(untypedValueInfo(name));
  }
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-quantize-'));
  const path = join(dir, 'model.onnx');
  writeFileSync(path, encodeModel(edited));
  const session = await loadSession(path, { graphOptimization: 'basic', ...options.session });
  try {
    return await use(session);
  } finally {
    await session.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every node output's element type, as onnxruntime infers it ('unknown' for non-tensors). */
export async function tensorTypes(model: Model): Promise<Map<string, string>> {
  const outputs = (model.graph!.node ?? []).flatMap((n) => n.output ?? []).filter(Boolean);
  return withTempSession(model, async (session) => new Map(session.outputs.map((o) => [o.name, o.type])), { exposing: outputs });
}
