/**
 * The native TensorRT backend on a device (`npm run test:tensorrt`): the backend contract,
 * then parity with onnxruntime CPU on real faces (cosine >= 0.999 FP16, >= 0.99 INT8) and a
 * latency table. Skips with the reason when the addon is not built or no GPU is present.
 * Engines go to a temporary cache unless ARCEDGE_ENGINE_CACHE is set (reuse it across runs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createOnnxRuntimeBackend } from '../../sdk/runtime/onnxruntime.ts';
import { createTensorRtBackend } from '../../sdk/runtime/tensorrt.ts';
import type { Precision, SessionOptions } from '../../sdk/runtime/types.ts';
import { assetModel } from '../helpers/assets.ts';
import { backendContract } from '../runtime/contract.ts';
import { bbtFace, cosine, recognizerBatch, row } from '../runtime/faces.ts';

const probe = await createTensorRtBackend().probe();
const cacheDir = process.env.ARCEDGE_ENGINE_CACHE ?? mkdtempSync(join(tmpdir(), 'arcedge-trt-'));

const optionsFor = (precision: Precision) => (file: string): SessionOptions => {
  const inputShapes: Record<string, { min: number[]; opt: number[]; max: number[] }> = {};
  if (file === 'det_500m.onnx') inputShapes['input.1'] = { min: [1, 3, 640, 640], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] };
  if (file === 'yunet_s_dynamic.onnx') inputShapes.input = { min: [1, 3, 320, 320], opt: [1, 3, 480, 640], max: [2, 3, 640, 640] };
  return { precision, maxBatch: 8, logger: (line) => console.log(line), tensorrt: { cacheDir, inputShapes } };
};

if (!probe.available) {
  describe('TensorRT backend', () => {
    it(`skipped: ${probe.reason}`, { skip: probe.reason }, () => undefined);
  });
} else {
  console.log(`TensorRT backend: ${probe.reason}; engine cache ${cacheDir}`);
  backendContract('tensorrt fp32', () => createTensorRtBackend(), { optionsFor: optionsFor('fp32') });

  describe('TensorRT vs onnxruntime CPU on real faces', () => {
    const faces = ['amy', 'penny', 'raj', 'sheldon', 'howard', 'leonard', 'bernadette', 'stuart'].map((p) => bbtFace(p, 1));
    const table: string[] = [];
    const cases: [string, string, string, Precision, number][] = [
      ['fr_feature_512.onnx', 'input', 'output', 'fp32', 0.9999],
      ['fr_feature_512.onnx', 'input', 'output', 'fp16', 0.999],
      ['mobilefacenet_paddle_128.onnx', 'x', 'reshape2_0.tmp_0', 'fp32', 0.9999],
      ['mobilefacenet_paddle_128.onnx', 'x', 'reshape2_0.tmp_0', 'fp16', 0.999],
    ];
    // INT8 parity needs a Q/DQ model (from `arcedge quantize`): ARCEDGE_INT8_MODEL=<file> <input> <output>.
    if (process.env.ARCEDGE_INT8_MODEL) {
      const [file, input, output] = process.env.ARCEDGE_INT8_MODEL.split(' ') as [string, string, string];
      cases.push([file, input, output, 'int8', 0.99]);
    }
    for (const [file, input, output, precision, minimum] of cases) {
      it(`${file} ${precision}: cosine >= ${minimum} against CPU for ${faces.length} faces`, async () => {
        const path = file.includes('/') ? file : assetModel(file);
        const cpu = await createOnnxRuntimeBackend('cpu').load(path, {});
        const trt = await createTensorRtBackend().load(path, optionsFor(precision)(file));
        try {
          let worst = 1;
          for (const face of faces) {
            const tensor = recognizerBatch([face]);
            const a = (await cpu.run({ [input]: tensor }))[output]!;
            const b = (await trt.run({ [input]: tensor }))[output]!;
            worst = Math.min(worst, cosine(row(a, 0), row(b, 0)));
          }
          const rounds = 50;
          const time = async (session: typeof cpu): Promise<number> => {
            const tensor = recognizerBatch([faces[0]!]);
            const started = session.stats.totalRunMs;
            for (let i = 0; i < rounds; i += 1) await session.run({ [input]: tensor });
            return (session.stats.totalRunMs - started) / rounds;
          };
          const cpuMs = await time(cpu);
          const trtMs = await time(trt);
          table.push(`${file.padEnd(32)} ${precision.padEnd(5)} cos>=${worst.toFixed(5)}  cpu ${cpuMs.toFixed(2)} ms  tensorrt ${trtMs.toFixed(2)} ms  x${(cpuMs / trtMs).toFixed(1)}`);
          assert.ok(worst >= minimum, `${file} ${precision}: worst cosine ${worst}`);
        } finally {
          await cpu.dispose();
          await trt.dispose();
        }
      });
    }
    it('prints the latency table', () => {
      console.log(['', 'model                            prec  parity          latency (batch 1, mean of 50)', ...table].join('\n'));
      assert.ok(table.length > 0);
    });
  });
}
