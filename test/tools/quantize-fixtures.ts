/**
 * Fixtures for the quantizer tests: a detector-only local set, a labelled eval folder (five
 * faceapi_bbt people, symlinked), and a small synthetic recognizer with an op the quantizer
 * does not know (Softsign), written with the quantizer's own ONNX helpers plus a manifest.
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { assetFace, assetModel, repoRoot } from '../helpers/assets.ts';
import { encodeModel, floatTensor, makeNode, onnx, DT } from '../../tools/quantize/onnx-io.ts';

export const tmpRoot = (): string => join(repoRoot, 'test', '.tmp', 'quantize');

export function detectorSet(): string {
  const dir = join(tmpRoot(), 'detector');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(assetModel('det_500m.onnx'), join(dir, 'det_500m.onnx'));
  return `local:${dir}`;
}

/** <dir>/<person>/<photo>: identities from folder names, as the CLI reads them. */
export function evalFolder(people = 5): string {
  const dir = join(tmpRoot(), 'eval');
  rmSync(dir, { recursive: true, force: true });
  const root = assetFace('faceapi_bbt');
  const names = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort().slice(0, people);
  for (const name of names) {
    mkdirSync(join(dir, name), { recursive: true });
    for (const file of readdirSync(join(root, name))) symlinkSync(join(root, name, file), join(dir, name, file));
  }
  return dir;
}

/** A deterministic pseudo-random generator (weights must not change between runs). */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296) * 2 - 1;
}

/** input [1,3,112,112] -> Conv -> Softsign -> Conv -> GlobalAveragePool -> Flatten -> output [1,16]. */
export function writeSyntheticRecognizer(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const next = random(7);
  const values = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => next() * scale);
  const dim = (v: number | string) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v });
  const info = (name: string, shape: (number | string)[]) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: shape.map(dim) } } } });
  const graph = onnx.GraphProto.create({
    name: 'synthetic',
    node: [
      makeNode('Conv', ['input', 'w1', 'b1'], ['a'], 'conv1', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
      makeNode('Softsign', ['a'], ['b'], 'softsign'),
      makeNode('Conv', ['b', 'w2', 'b2'], ['c'], 'conv2', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
      makeNode('GlobalAveragePool', ['c'], ['d'], 'pool'),
      makeNode('Flatten', ['d'], ['output'], 'flatten'),
    ],
    initializer: [floatTensor('w1', [8, 3, 3, 3], values(216, 0.3)), floatTensor('b1', [8], values(8, 0.1)), floatTensor('w2', [16, 8, 3, 3], values(1152, 0.2)), floatTensor('b2', [16], values(16, 0.1))],
    input: [info('input', [1, 3, 112, 112])],
    output: [info('output', [1, 16])],
  });
  const model = onnx.ModelProto.create({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], producerName: 'arcedge-test', graph });
  const bytes = encodeModel(model);
  const path = join(dir, 'synthetic.onnx');
  writeFileSync(path, bytes);
  const manifest = {
    id: 'synthetic',
    file: 'synthetic.onnx',
    task: 'embed',
    family: 'arcface',
    input: { name: 'input', shape: [1, 3, 112, 112], layout: 'nchw', colorOrder: 'bgr', mean: [127.5, 127.5, 127.5], std: [128, 128, 128], resize: 'none' },
    outputs: { mode: 'by-order', count: 1 },
    embeddingSize: 16,
    licence: 'test fixture',
    sources: [],
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  writeFileSync(`${path}.manifest.json`, JSON.stringify(manifest, null, 2));
  return path;
}
