/**
 * The exported model package: `<run>/package/` with model.onnx, its manifest sidecar
 * (model.onnx.manifest.json, validated by the SDK's manifest schema, so `local:<dir>` loads it)
 * and eval.json (verification results and the run's summary).
 *
 * Colour order and normalisation come from how the trainer fed the network: RGB and
 * (x/255 - 0.5)/0.5 = (x - 127.5)/127.5 (tools/trainer/datasets.py, as arcface_torch). The
 * SDK's recognizers default to BGR, so the manifest must say rgb explicitly.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelManifestSchema, type ModelManifest } from '../../sdk/index.ts';
import { sha256File } from '../../sdk/internal.ts';

/** What the manifest says about the network: its run or package name, backbone, head, embedding length. */
export interface PackageInfo {
  readonly name: string;
  readonly network: string;
  readonly head: string;
  readonly embeddingSize: number;
}

export async function writeModelPackage(packageDir: string, info: PackageInfo, evalResults: Record<string, unknown>): Promise<ModelManifest> {
  const file = 'model.onnx';
  const path = join(packageDir, file);
  const manifest = ModelManifestSchema.parse({
    id: `arcedge-${info.name.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`,
    file,
    task: 'embed',
    family: 'arcface',
    input: { name: 'data', shape: ['batch', 3, 112, 112], layout: 'nchw', colorOrder: 'rgb', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], resize: 'none' },
    outputs: { mode: 'by-name', names: ['fc1'], count: 1 },
    embeddingSize: info.embeddingSize,
    licence: 'trained with arcedge train: the licence of the training data applies',
    sources: [],
    sha256: await sha256File(path),
    sha256Origin: 'computed',
    bytes: statSync(path).size,
    description: info.head === 'exported' ? `${info.network} exported by arcedge train export (${info.name})` : `${info.network} + ${info.head} trained by arcedge train (run ${info.name})`,
  });
  writeFileSync(`${path}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(packageDir, 'eval.json'), `${JSON.stringify(evalResults, null, 2)}\n`);
  return manifest;
}
