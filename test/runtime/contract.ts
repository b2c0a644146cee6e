/**
 * The one contract every InferenceBackend passes (STYLE.md #3), run with real models from
 * ../shared/assets: declared inputs/outputs, real faces in and plausible results out, dynamic
 * batch and image sizes, feed validation, stats, concurrent runs, dispose.
 * Used by test/runtime/onnxruntime.int.test.ts (CPU) and test/tensorrt/tensorrt.test.ts (addon).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { createTensor } from '../../sdk/runtime/tensor.ts';
import type { InferenceBackend, InferenceSession, SessionOptions } from '../../sdk/runtime/types.ts';
import { assetModel } from '../helpers/assets.ts';
import { bbtFace, cosine, detectorInput, maxOf, recognizerBatch, row } from './faces.ts';

export interface ContractOptions {
  /** Per-model session options (TensorRT needs profiles for dynamic image sizes). */
  readonly optionsFor?: (modelFile: string) => SessionOptions;
  /** Cosine a batched row must reach against the same face run alone (lower for reduced precision). */
  readonly batchCosine?: number;
}

export function backendContract(label: string, createBackend: () => Promise<InferenceBackend> | InferenceBackend, contract: ContractOptions = {}): void {
  const optionsFor = contract.optionsFor ?? (() => ({}));
  const batchCosine = contract.batchCosine ?? 0.9999;

  describe(`InferenceBackend contract: ${label}`, () => {
    let backend: InferenceBackend;
    const sessions = new Map<string, InferenceSession>();
    const open = async (file: string): Promise<InferenceSession> => {
      let session = sessions.get(file);
      if (!session) {
        session = await backend.load(assetModel(file), optionsFor(file));
        sessions.set(file, session);
      }
      return session;
    };

    before(async () => {
      backend = await createBackend();
    });
    after(async () => {
      for (const session of sessions.values()) await session.dispose();
    });

    it('probes as available and says what it found', async () => {
      const probe = await backend.probe();
      assert.equal(probe.target, backend.target);
      assert.equal(probe.available, true, probe.reason);
      assert.ok(probe.reason.length > 0);
    });

    it('fr_feature_512: declares input/output and embeds a real face as 512 finite numbers', async () => {
      const session = await open('fr_feature_512.onnx');
      assert.equal(session.target, backend.target);
      assert.deepEqual(session.inputs.map((i) => [i.name, i.type, i.shape]), [['input', 'float32', [1, 3, 112, 112]]]);
      assert.deepEqual(session.outputs.map((o) => [o.name, o.type]), [['output', 'float32']]);
      const out = await session.run({ input: recognizerBatch([bbtFace('amy', 1)]) });
      assert.deepEqual(out.output!.dims, [1, 512]);
      assert.equal(out.output!.type, 'float32');
      const values = out.output!.data as Float32Array;
      assert.ok(values.every(Number.isFinite));
      assert.ok(Math.hypot(...values) > 1e-3, 'embedding is not all zeros');
    });

    it('fr_feature_512: the same face twice gives the same embedding; same person beats different people by the measured margin', async () => {
      const session = await open('fr_feature_512.onnx');
      const embed = async (person: string, index: number) => (await session.run({ input: recognizerBatch([bbtFace(person, index)]) })).output!.data.slice() as Float32Array;
      const a1 = await embed('amy', 1);
      const again = await embed('amy', 1);
      const a2 = await embed('amy', 2);
      const b = await embed('sheldon', 1);
      assert.ok(cosine(a1, again) > 0.99999, `repeat cosine ${cosine(a1, again)}`);
      // Measured with onnxruntime CPU fp32 on these unaligned grey crops: amy1-amy2 0.674,
      // amy1-sheldon1 0.443 (over all 40 crops: same mean 0.53, different mean 0.37). A backend
      // that garbles the input (wrong layout, channel mix-up, fp16 overflow) loses this margin.
      const same = cosine(a1, a2);
      const different = cosine(a1, b);
      assert.ok(same > 0.55, `same person cosine ${same} (measured 0.674)`);
      assert.ok(different < 0.55, `different people cosine ${different} (measured 0.443)`);
      assert.ok(same - different >= 0.15, `margin ${same - different} (measured 0.231)`);
    });

    it('a batch-limited session (maxBatch 4) takes 4, refuses 5, and 9 faces in chunks match one-by-one runs', async () => {
      const options = { ...optionsFor('mobilefacenet_paddle_128.onnx'), maxBatch: 4 };
      const limited = await backend.load(assetModel('mobilefacenet_paddle_128.onnx'), options);
      const fixed = await open('fr_feature_512.onnx');
      try {
        assert.equal(limited.batchLimit, 4);
        assert.equal(fixed.batchLimit, 1, 'a fixed batch-1 model reports 1');
        const people = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart', 'amy'];
        const faces = people.map((p, i) => bbtFace(p, 1 + (i % 5)));
        await assert.rejects(limited.run({ x: recognizerBatch(faces.slice(0, 5)) }), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT') && /limit of 4/.test(e.message));
        const chunked: Float32Array[] = [];
        for (let start = 0; start < faces.length; start += limited.batchLimit) {
          const part = faces.slice(start, start + limited.batchLimit);
          const out = (await limited.run({ x: recognizerBatch(part) }))['reshape2_0.tmp_0']!;
          for (let i = 0; i < part.length; i += 1) chunked.push(row(out, i));
        }
        assert.equal(chunked.length, 9);
        for (let i = 0; i < faces.length; i += 1) {
          const single = row((await limited.run({ x: recognizerBatch([faces[i]!]) }))['reshape2_0.tmp_0']!, 0);
          assert.ok(cosine(chunked[i]!, single) >= batchCosine, `face ${i}`);
        }
      } finally {
        await limited.dispose();
      }
    });

    it('mobilefacenet_paddle_128: a dynamic batch of 3 equals the faces run one by one', async () => {
      const session = await open('mobilefacenet_paddle_128.onnx');
      assert.equal(session.inputs[0]!.name, 'x');
      assert.notEqual(typeof session.inputs[0]!.shape[0] === 'number' ? session.inputs[0]!.shape[0] : -1, 1, 'batch axis is dynamic');
      const faces = [bbtFace('penny', 1), bbtFace('raj', 2), bbtFace('howard', 3)];
      const batched = (await session.run({ x: recognizerBatch(faces) }))['reshape2_0.tmp_0']!;
      assert.deepEqual(batched.dims, [3, 128]);
      for (let i = 0; i < faces.length; i += 1) {
        const single = (await session.run({ x: recognizerBatch([faces[i]!]) }))['reshape2_0.tmp_0']!;
        assert.deepEqual(single.dims, [1, 128]);
        const similarity = cosine(row(batched, i), row(single, 0));
        assert.ok(similarity >= batchCosine, `face ${i}: batched vs single cosine ${similarity}`);
      }
    });

    it('det_500m: 9 outputs shaped for 640x640 and a confident score on a real face', async () => {
      const session = await open('det_500m.onnx');
      assert.equal(session.inputs[0]!.name, 'input.1');
      assert.equal(session.outputs.length, 9);
      const out = await session.run({ 'input.1': detectorInput(bbtFace('leonard', 1), 640, 640, (v) => (v - 127.5) / 128) });
      const rows = session.outputs.map((o) => out[o.name]!.dims[0]);
      assert.deepEqual(rows, [12800, 3200, 800, 12800, 3200, 800, 12800, 3200, 800]);
      const best = Math.max(...session.outputs.slice(0, 3).map((o) => maxOf(out[o.name]!.data as Float32Array)));
      assert.ok(best > 0.5, `best face score ${best}`);
    });

    it('yunet_s_dynamic: batch and image size follow the feed (2x320x320, then 1x480x640)', async () => {
      const session = await open('yunet_s_dynamic.onnx');
      const face = bbtFace('bernadette', 2);
      for (const [batch, h, w] of [[2, 320, 320], [1, 480, 640]] as const) {
        const out = await session.run({ input: detectorInput(face, w, h, (v) => v, batch) });
        for (const stride of [8, 16, 32]) {
          const cells = (h / stride) * (w / stride);
          assert.deepEqual(out[`cls_${stride}`]!.dims, [batch, cells, 1]);
          assert.deepEqual(out[`kps_${stride}`]!.dims, [batch, cells, 10]);
        }
        // YuNet score = sqrt(cls * obj) (assets/README.md); the face must score in every batch item.
        let best = 0;
        for (const stride of [8, 16, 32]) {
          const cls = out[`cls_${stride}`]!.data as Float32Array;
          const obj = out[`obj_${stride}`]!.data as Float32Array;
          for (let i = 0; i < cls.length; i += 1) best = Math.max(best, Math.sqrt(Math.min(1, Math.max(0, cls[i]!)) * Math.min(1, Math.max(0, obj[i]!))));
        }
        assert.ok(best > 0.5, `${batch}x${h}x${w}: best face score ${best}`);
      }
    });

    it('rejects bad feeds with INVALID_ARGUMENT naming the problem', async () => {
      const session = await open('fr_feature_512.onnx');
      await assert.rejects(session.run({}), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT') && e.message.includes('"input" is missing'));
      const wrongSize = createTensor('float32', new Float32Array(3 * 64 * 64), [1, 3, 64, 64]);
      await assert.rejects(session.run({ input: wrongSize }), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT') && e.message.includes('axis 2 is 64'));
      const good = recognizerBatch([bbtFace('amy', 1)]);
      await assert.rejects(session.run({ input: good, extra: good }), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT') && e.message.includes('"extra"'));
    });

    it('counts runs and their raw time in stats', async () => {
      const session = await open('fr_feature_512.onnx');
      const before = { ...session.stats };
      await session.run({ input: recognizerBatch([bbtFace('stuart', 1)]) });
      await session.run({ input: recognizerBatch([bbtFace('stuart', 2)]) });
      assert.equal(session.stats.runs, before.runs + 2);
      assert.ok(session.stats.totalRunMs > before.totalRunMs);
    });

    it('runs concurrent calls on one session correctly', async () => {
      const session = await open('fr_feature_512.onnx');
      const people = ['amy', 'penny', 'raj', 'sheldon'];
      const sequential: Float32Array[] = [];
      for (const p of people) sequential.push((await session.run({ input: recognizerBatch([bbtFace(p, 3)]) })).output!.data as Float32Array);
      const parallel = await Promise.all(people.map((p) => session.run({ input: recognizerBatch([bbtFace(p, 3)]) })));
      parallel.forEach((out, i) => assert.ok(cosine(out.output!.data as Float32Array, sequential[i]!) > 0.99999, people[i]));
    });

    it('warm-up runs once on zeros without counting in stats', async () => {
      const session = await backend.load(assetModel('fr_feature_512.onnx'), { ...optionsFor('fr_feature_512.onnx'), warmup: true });
      try {
        assert.deepEqual(session.stats, { runs: 0, totalRunMs: 0 });
      } finally {
        await session.dispose();
      }
    });

    it('dispose is idempotent and later runs fail with BACKEND_DISPOSED', async () => {
      const session = await backend.load(assetModel('fr_feature_512.onnx'), optionsFor('fr_feature_512.onnx'));
      const input = recognizerBatch([bbtFace('amy', 2)]);
      const pending = session.run({ input });
      await session.dispose();
      await session.dispose();
      assert.deepEqual((await pending).output!.dims, [1, 512], 'a run started before dispose completes');
      await assert.rejects(session.run({ input }), (e) => isArcEdgeError(e, 'BACKEND_DISPOSED'));
    });
  });
}
