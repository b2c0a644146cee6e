/**
 * What sdk/runtime/tensorrt.ts hands the native addon, and what it stops before reaching it.
 * The real addon cannot load here (no TensorRT, CUDA or GPU), so ARCEDGE_TENSORRT_ADDON points
 * at a recording stand-in that implements tensorrt-native.ts's surface and keeps every call.
 * This proves the wrapper's wiring (static DLA profile, DLA core range, empty and
 * wrong-shape feeds refused before engine.run); it says nothing about TensorRT itself, which
 * only `npm run test:tensorrt` on a device exercises.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { createTensor } from '../../sdk/runtime/tensor.ts';
import { createTensorRtBackend } from '../../sdk/runtime/tensorrt.ts';
import type { NativeBuildOptions } from '../../sdk/runtime/tensorrt-native.ts';
import { assetModel } from '../helpers/assets.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-trt-wrapper-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A 2-core Orin-like device; the engine mirrors fr_feature_512 (dynamic batch, 512-d output).
const standIn = join(scratch, 'recording-addon.cjs');
writeFileSync(
  standIn,
  `const calls = { build: [], engines: [], runs: [] };
module.exports = {
  calls,
  info: () => ({ tensorrtVersion: '10.3.0', compiledTensorrtVersion: '10.3.0', cudaRuntimeVersion: '12.6', cudaDriverVersion: '12.6',
    devices: [{ index: 0, name: 'recording stand-in', computeCapability: '8.7', totalMemoryBytes: 0, integrated: true }], dlaCores: 2 }),
  buildEngine: async (path, options) => {
    calls.build.push({ path, options });
    return { engine: Buffer.from('stand-in plan'), timingCache: null, log: [], dlaFallbackLayers: options.dlaCore >= 0 ? ['Conv_0', 'Softmax_9'] : [] };
  },
  Engine: class {
    constructor(plan, options) { calls.engines.push(options); }
    io() { return [{ name: 'input', mode: 'input', type: 'float32', shape: [-1, 3, 112, 112] }, { name: 'output', mode: 'output', type: 'float32', shape: [-1, 512] }]; }
    async run(feeds) {
      calls.runs.push(feeds);
      const batch = feeds.input.dims[0];
      return { output: { type: 'float32', dims: [batch, 512], data: new ArrayBuffer(batch * 512 * 4) } };
    }
    dispose() {}
  },
};
`,
);
process.env.ARCEDGE_TENSORRT_ADDON = standIn;
const calls = createRequire(import.meta.url)(standIn).calls as {
  build: { path: string; options: NativeBuildOptions }[];
  engines: { device: number; dlaCore: number }[];
  runs: unknown[];
};

const model = assetModel('fr_feature_512.onnx');
const faces = (n: number) => createTensor('float32', new Float32Array(n * 3 * 112 * 112), [n, 3, 112, 112]);
let cacheCount = 0;
const cacheDir = () => join(scratch, `cache-${(cacheCount += 1)}`);
const invalid = (pattern: RegExp) => (error: unknown) => isArcEdgeError(error, 'INVALID_ARGUMENT') && pattern.test(error.message);

describe('TensorRT wrapper -> addon boundary (recording stand-in, no TensorRT)', () => {
  it('DLA: builds a static batch profile, logs the GPU-fallback layers, and runs only the built shape', async () => {
    const lines: string[] = [];
    const session = await createTensorRtBackend().load(model, {
      precision: 'fp16',
      maxBatch: 8,
      logger: (line) => lines.push(line),
      tensorrt: { dlaCore: 0, cacheDir: cacheDir() },
    });
    const built = calls.build.at(-1)!.options;
    assert.deepEqual([built.minBatch, built.optBatch, built.maxBatch, built.dlaCore], [1, 1, 1, 0]);
    assert.equal(calls.engines.at(-1)!.dlaCore, 0);
    assert.ok(lines.some((l) => /DLA core 0 runs a static batch: .* batch 1 .*not up to maxBatch 8/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /2 layer\(s\) .* cannot run on DLA core 0 and run on the GPU: Conv_0, Softmax_9/.test(l)), lines.join('\n'));
    assert.deepEqual(session.inputs[0]!.shape, [1, 3, 112, 112]);
    const runsBefore = calls.runs.length;
    await assert.rejects(session.run({ input: faces(2) }), invalid(/built for exactly \[1, 3, 112, 112\]/));
    assert.equal(calls.runs.length, runsBefore);
    const out = await session.run({ input: faces(1) });
    assert.deepEqual(out.output!.dims, [1, 512]);
    assert.equal(calls.runs.length, runsBefore + 1);
    await session.dispose();
  });

  it('DLA with optBatch 2: warm-up feeds the built batch', async () => {
    const runsBefore = calls.runs.length;
    const session = await createTensorRtBackend().load(model, {
      precision: 'int8',
      warmup: true,
      logger: () => undefined,
      tensorrt: { dlaCore: 1, optBatch: 2, cacheDir: cacheDir() },
    });
    const built = calls.build.at(-1)!.options;
    assert.deepEqual([built.minBatch, built.optBatch, built.maxBatch, built.dlaCore], [2, 2, 2, 1]);
    assert.equal(calls.runs.length, runsBefore + 1);
    assert.deepEqual((calls.runs.at(-1) as { input: { dims: number[] } }).input.dims, [2, 3, 112, 112]);
    await session.dispose();
  });

  it('GPU: keeps the dynamic batch 1..maxBatch and refuses an empty input before engine.run', async () => {
    const session = await createTensorRtBackend().load(model, { precision: 'fp16', maxBatch: 8, logger: () => undefined, tensorrt: { cacheDir: cacheDir() } });
    const built = calls.build.at(-1)!.options;
    assert.deepEqual([built.minBatch, built.optBatch, built.maxBatch, built.dlaCore], [1, 1, 8, -1]);
    const runsBefore = calls.runs.length;
    await assert.rejects(session.run({ input: faces(0) }), invalid(/input "input" is empty/));
    assert.equal(calls.runs.length, runsBefore);
    assert.deepEqual((await session.run({ input: faces(3) })).output!.dims, [3, 512]);
    await session.dispose();
  });

  it('refuses a DLA core the device does not have before building anything', async () => {
    const buildsBefore = calls.build.length;
    await assert.rejects(
      createTensorRtBackend().load(model, { precision: 'fp16', logger: () => undefined, tensorrt: { dlaCore: 2, cacheDir: cacheDir() } }),
      (error: unknown) => isArcEdgeError(error, 'CONFIG_INVALID') && /dlaCore 2 is not a DLA core of this device: TensorRT reports 2 DLA cores/.test(error.message),
    );
    assert.equal(calls.build.length, buildsBefore);
  });
});
