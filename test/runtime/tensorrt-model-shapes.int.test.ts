/**
 * One TensorRT profile per model of a pipeline (issue 28, item 1). The buffalo sets name the
 * SCRFD detector's and the ArcFace recognizer's inputs alike (`input.1`); with one
 * `tensorrt.inputShapes` for both, the recognizer was asked to build for 640x640 (or SCRFD had
 * none) and one of them fell back to CPU on the device.
 *
 * The pair here is real: det_500m, and fr_feature_512 re-saved with its input renamed to
 * `input.1` (as w600k_mbf names it). The addon is the recording stand-in the wrapper test uses
 * (no TensorRT here); its engines report the io onnxruntime reads from the same files, so the
 * analyzer's manifest check runs against the real graphs. What is asserted is what each model's
 * buildEngine call was given.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadStages } from '../../sdk/analyzer/load-models.ts';
import type { ResolvedModelList } from '../../sdk/analyzer/options.ts';
import type { ModelManifest } from '../../sdk/models/manifest.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import type { NativeBuildOptions } from '../../sdk/runtime/tensorrt-native.ts';
import type { SessionOptions } from '../../sdk/runtime/types.ts';
import { encodeModel, readModel } from '../../tools/quantize/onnx-io.ts';
import { assetModel, repoRoot } from '../helpers/assets.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-trt-shapes-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const standIn = join(scratch, 'recording-addon.cjs');
writeFileSync(
  standIn,
  `const calls = { build: [] };
const io = {};
module.exports = {
  calls, io,
  info: () => ({ tensorrtVersion: '10.3.0', compiledTensorrtVersion: '10.3.0', cudaRuntimeVersion: '12.6', cudaDriverVersion: '12.6',
    devices: [{ index: 0, name: 'recording stand-in', computeCapability: '8.7', totalMemoryBytes: 0, integrated: true, multiProcessorCount: 8 }], dlaCores: 0 }),
  buildEngine: async (path, options) => {
    calls.build.push({ path, options });
    return { engine: Buffer.from(path), timingCache: null, log: [], dlaFallbackLayers: [] };
  },
  Engine: class {
    constructor(plan) { this.path = Buffer.from(plan).toString(); }
    io() { return io[this.path]; }
    async run() { throw new Error('not run here'); }
    dispose() {}
  },
};
`,
);
process.env.ARCEDGE_TENSORRT_ADDON = standIn;
const addon = createRequire(import.meta.url)(standIn) as {
  calls: { build: { path: string; options: NativeBuildOptions }[] };
  io: Record<string, { name: string; mode: 'input' | 'output'; type: string; shape: number[] }[]>;
};

const setFile = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'models', 'sets', `${name}.json`), 'utf8')).files as ModelManifest[];
const detPath = assetModel('det_500m.onnx');
const recPath = join(scratch, 'fr_feature_512_input1.onnx');
let models: ResolvedModelList;

before(async () => {
  // fr_feature_512 with its graph input renamed to input.1: same weights, the buffalo naming.
  const model = readModel(assetModel('fr_feature_512.onnx'));
  const graph = model.graph!;
  const old = graph.input![0]!.name!;
  graph.input![0]!.name = 'input.1';
  for (const node of graph.node ?? []) node.input = (node.input ?? []).map((n) => (n === old ? 'input.1' : n));
  writeFileSync(recPath, encodeModel(model));

  const det = setFile('buffalo_sc').find((m) => m.id === 'scrfd-500m-kps')!;
  const fr = setFile('yunet').find((m) => m.id === 'faceplugin-feature-512')!;
  const rec: ModelManifest = { ...fr, id: 'fr512-input1', file: 'fr_feature_512_input1.onnx', input: { ...fr.input, name: 'input.1' } };
  models = { name: 'buffalo-like', models: [{ manifest: det, path: detPath }, { manifest: rec, path: recPath }] };

  // The stand-in's engines declare what onnxruntime reads from the same files (-1 for dynamic).
  for (const path of [detPath, recPath]) {
    const session = await loadSession(path);
    const dims = (shape: readonly (number | string)[]) => shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
    addon.io[path] = [
      ...session.inputs.map((t) => ({ name: t.name, mode: 'input' as const, type: 'float32', shape: dims(t.shape) })),
      ...session.outputs.map((t) => ({ name: t.name, mode: 'output' as const, type: 'float32', shape: dims(t.shape) })),
    ];
    await session.dispose();
  }
  assert.equal(addon.io[detPath]![0]!.name, 'input.1');
  assert.equal(addon.io[recPath]![0]!.name, 'input.1');
});

let cacheCount = 0;
/** Loads detector + recognizer on the stand-in; returns each model's buildEngine inputShapes. */
async function builtShapes(tensorrt: NonNullable<SessionOptions['tensorrt']>, detect?: { inputSize: { width: number; height: number } }) {
  const from = addon.calls.build.length;
  const backend: SessionOptions = { targets: ['tensorrt'], strict: true, logger: () => undefined, tensorrt: { cacheDir: join(scratch, `cache-${(cacheCount += 1)}`), ...tensorrt } };
  // five-point pose: the 68-point pose model is a third session this stand-in does not record.
  const stages = await loadStages({ models, pose: 'five-point', ...(detect ? { detect } : {}) }, backend);
  await stages.dispose();
  const builds = addon.calls.build.slice(from);
  const of = (path: string) => builds.find((b) => b.path === path)?.options.inputShapes;
  assert.equal(builds.length, 2, 'both models built on the tensorrt stand-in (none fell back)');
  return { det: of(detPath), rec: of(recPath) };
}

const square = (batch: number, side: number) => [batch, 3, side, side];

describe('TensorRT profiles per model in a pipeline (recording stand-in, no TensorRT)', () => {
  it('inputShapes["input.1"] = 640x640 sizes the detector only; the fixed 112x112 recognizer gets none', async () => {
    const shape = { min: square(1, 640), opt: square(1, 640), max: square(1, 640) };
    const { det, rec } = await builtShapes({ inputShapes: { 'input.1': shape } });
    assert.deepEqual(det, { 'input.1': shape });
    assert.deepEqual(rec, {});
  });

  it("without inputShapes the detector's profile comes from its manifest (stride 32 up to input.size 640)", async () => {
    const { det, rec } = await builtShapes({});
    assert.deepEqual(det, { 'input.1': { min: square(1, 32), opt: square(1, 640), max: square(1, 640) } });
    assert.deepEqual(rec, {});
  });

  it("the detector's inputSize option sizes its profile", async () => {
    const { det } = await builtShapes({}, { inputSize: { width: 480, height: 320 } });
    assert.deepEqual(det, { 'input.1': { min: [1, 3, 32, 32], opt: [1, 3, 320, 480], max: [1, 3, 320, 480] } });
  });

  it('modelInputShapes, keyed by model id, gives two models with the same input name different shapes', async () => {
    const detShape = { min: square(1, 320), opt: square(1, 320), max: square(1, 320) };
    const recShape = { min: square(1, 112), opt: square(2, 112), max: square(4, 112) };
    const { det, rec } = await builtShapes({
      inputShapes: { 'input.1': { min: square(1, 640), opt: square(1, 640), max: square(1, 640) } },
      modelInputShapes: { 'scrfd-500m-kps': { 'input.1': detShape }, 'fr512-input1': { 'input.1': recShape } },
    });
    assert.deepEqual(det, { 'input.1': detShape });
    assert.deepEqual(rec, { 'input.1': recShape });
  });
});
