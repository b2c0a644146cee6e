/**
 * The onnxruntime CPU backend passes the backend contract, and its embeddings are those of a
 * plain onnxruntime-node session (the reference: the only test importing onnxruntime-node).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { createOnnxRuntimeBackend } from '../../sdk/runtime/onnxruntime.ts';
import { assetModel } from '../helpers/assets.ts';
import { backendContract } from './contract.ts';
import { bbtFace, cosine, recognizerBatch, row } from './faces.ts';

backendContract('onnxruntime cpu', () => createOnnxRuntimeBackend('cpu'));

describe('onnxruntime backend vs a direct onnxruntime-node session', () => {
  const faces = [bbtFace('amy', 1), bbtFace('sheldon', 2), bbtFace('raj', 4)];
  for (const [file, input, output] of [
    ['fr_feature_512.onnx', 'input', 'output'],
    ['mobilefacenet_paddle_128.onnx', 'x', 'reshape2_0.tmp_0'],
  ] as const) {
    it(`${file}: cosine >= 0.99999 for every face`, async () => {
      const reference = await ort.InferenceSession.create(assetModel(file));
      const session = await createOnnxRuntimeBackend('cpu').load(assetModel(file), {});
      try {
        for (const face of faces) {
          const tensor = recognizerBatch([face]);
          const ours = (await session.run({ [input]: tensor }))[output]!;
          const theirs = (await reference.run({ [input]: new ort.Tensor('float32', tensor.data as Float32Array, tensor.dims) }))[output]!;
          assert.deepEqual(ours.dims, theirs.dims);
          const similarity = cosine(row(ours, 0), theirs.data as Float32Array);
          assert.ok(similarity >= 0.99999, `${file}: cosine ${similarity}`);
        }
      } finally {
        await session.dispose();
        await reference.release();
      }
    });
  }

  it('reports cuda unavailable here with the provider library it looked for', async () => {
    const probe = await createOnnxRuntimeBackend('cuda').probe();
    // This test documents the development machines (no CUDA provider); on a CUDA box it checks the positive case.
    if (probe.available) assert.match(probe.reason, /CUDA provider library found/);
    else assert.match(probe.reason, /libonnxruntime_providers_cuda\.so/);
  });
});
