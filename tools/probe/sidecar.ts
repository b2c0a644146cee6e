/**
 * The manifest `arcedge models probe` writes beside a model (`<file>.onnx.manifest.json`, the
 * name a `local:<dir>` set reads). It starts from what is already known about the file (an
 * existing sidecar, else the registry entry with the same sha256, else the ONNX graph itself)
 * and replaces only the input preprocessing and the probe record.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ArcEdgeError, createTensor, findManifestBySha256, ModelManifestSchema } from '../../sdk/index.ts';
import type { InferenceSession, ModelManifest, ProbeRecord } from '../../sdk/index.ts';
import type { Variant } from './variants.ts';

export const sidecarPath = (modelPath: string): string => `${modelPath}.manifest.json`;

const ARCFACE_CROP = 112;

/** Input layout from the graph's declared shape: channels first or last. */
function layoutOf(shape: readonly (number | string)[]): 'nchw' | 'nhwc' {
  if (shape.length === 4 && shape[1] === 3) return 'nchw';
  if (shape.length === 4 && shape[3] === 3) return 'nhwc';
  throw new ArcEdgeError('MODEL_IO_MISMATCH', `input shape [${shape.join(', ')}] is not a 3-channel image batch`, {
    fix: 'probe a recognizer whose input is [N,3,H,W] or [N,H,W,3]',
  });
}

/** A manifest for an unknown recognizer, from its graph: input name/shape, output count, embedding size (one run on zeros). */
async function manifestFromGraph(modelPath: string, session: InferenceSession, sha256: string, bytes: number, licence: string): Promise<ModelManifest> {
  const input = session.inputs[0]!;
  const layout = layoutOf(input.shape);
  const fixed = (v: number | string | undefined): number => (typeof v === 'number' && v > 0 ? v : ARCFACE_CROP);
  const [h, w] = layout === 'nchw' ? [fixed(input.shape[2]), fixed(input.shape[3])] : [fixed(input.shape[1]), fixed(input.shape[2])];
  const dims = layout === 'nchw' ? [1, 3, h, w] : [1, h, w, 3];
  const out = await session.run({ [input.name]: createTensor('float32', new Float32Array(3 * h * w), dims) });
  const first = out[session.outputs[0]!.name]!;
  const file = basename(modelPath);
  return {
    id: file.replace(/\.onnx$/, '').toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, 'm'),
    file,
    task: 'embed',
    family: 'arcface',
    input: { name: input.name, shape: [...input.shape], layout, colorOrder: 'rgb', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], resize: 'none', size: { width: w, height: h } },
    outputs: { mode: 'by-order', count: session.outputs.length },
    embeddingSize: first.data.length,
    licence,
    sources: [],
    sha256,
    bytes,
    description: `recognizer probed by arcedge models probe (${first.data.length}-d)`,
  };
}

/** What is already known about the file, renamed to it. */
export async function baseManifest(modelPath: string, session: InferenceSession, sha256: string, bytes: number, licence: string): Promise<ModelManifest> {
  const file = basename(modelPath);
  const existing = sidecarPath(modelPath);
  if (existsSync(existing)) {
    const parsed = ModelManifestSchema.safeParse(JSON.parse(readFileSync(existing, 'utf8')));
    if (parsed.success && parsed.data.sha256 === sha256) return { ...parsed.data, file };
  }
  const known = findManifestBySha256(sha256);
  if (known?.task === 'embed') return { ...known, file };
  return manifestFromGraph(modelPath, session, sha256, bytes, licence);
}

/** The base manifest with the chosen preprocessing and the measurement; validated, then written atomically. */
export function writeSidecar(modelPath: string, base: ModelManifest, chosen: Variant, probe: ProbeRecord): { path: string; manifest: ModelManifest } {
  const manifest = ModelManifestSchema.parse({
    ...base,
    input: { ...base.input, colorOrder: chosen.colorOrder, mean: chosen.mean, std: chosen.std },
    probe,
  });
  const path = sidecarPath(modelPath);
  const temp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(temp, path);
  } catch (cause) {
    throw new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot write ${path}: ${(cause as Error).message}`, {
      fix: 'probe a copy of the model in a folder you can write to',
      cause,
    });
  }
  return { path, manifest };
}
