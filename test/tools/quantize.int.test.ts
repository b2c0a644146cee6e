/**
 * arcedge quantize on the real recognizers: FP16 and INT8 (percentile) outputs load and run in
 * onnxruntime, INT8 stays close to FP32 on faces not used for calibration, the written INT8 file
 * has per-channel symmetric weight scales and zero-point-0 activation scales, --dynamic-batch
 * runs at batch 8 through the SDK (local:<dir> with the sidecar manifest), and bad inputs fail
 * with their codes. One calibration (crops made once in before()) serves every case.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { createFacePipeline, encodePng, createFrame, isArcEdgeError, findManifestBySha256, compare, createEmbedder, loadSession, type ModelManifest } from '../../sdk/index.ts';
import { sha256File } from '../../sdk/storage/sha256.ts';
import { assetFace, assetModel } from '../helpers/assets.ts';
import { collectCrops, type FaceCrop } from '../../tools/quantize/calibration-data.ts';
import { quantizeModel, type QuantizeOptions } from '../../tools/quantize/quantize.ts';
import { dims, DT, encodeModel, floatValues, intAttribute, readModel, type TensorProto } from '../../tools/quantize/onnx-io.ts';
import { compareEmbeddings } from '../../tools/quantize/evaluate.ts';
import { quantizeCommand } from '../../tools/commands/quantize.ts';
import { detectorSet, evalFolder, tmpRoot, writeSyntheticRecognizer } from './quantize-fixtures.ts';

let calibration: FaceCrop[] = [];
let heldBack: FaceCrop[] = [];
let detector = '';

/**
 * The recognizer next to a manifest that reads BGR, (x-127.5)/128 (shared/assets/README.md:
 * both recognizers were measured better on BGR), whatever the registry says today.
 */
async function bgrModel(file: string): Promise<string> {
  const dir = join(tmpRoot(), 'models', file.replace(/\.onnx$/, ''));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  symlinkSync(assetModel(file), path);
  const known = findManifestBySha256(await sha256File(assetModel(file)));
  assert.ok(known, `${file} is in the registry`);
  const manifest = { ...known, file, input: { ...known.input, colorOrder: 'bgr', mean: [127.5, 127.5, 127.5], std: [128, 128, 128] } };
  writeFileSync(`${path}.manifest.json`, JSON.stringify(manifest));
  return path;
}

/** Mean cosine between two models' embeddings of the held-back crops, computed here with the SDK alone. */
async function meanCosine(a: string, b: string, manifest: ModelManifest): Promise<number> {
  const embed = async (path: string): Promise<Float32Array[]> => {
    const embedder = createEmbedder(manifest, await loadSession(path));
    try {
      return await embedder.embed(heldBack.map((f) => f.crop));
    } finally {
      await embedder.dispose();
    }
  };
  const [x, y] = [await embed(a), await embed(b)];
  return x.reduce((sum, v, i) => sum + compare(v, y[i]!), 0) / x.length;
}

const manifestOf = (path: string): ModelManifest => JSON.parse(readFileSync(`${path}.manifest.json`, 'utf8')) as ModelManifest;

const options = (model: string, extra: Partial<QuantizeOptions>): QuantizeOptions => ({
  model,
  mode: 'int8',
  out: join(tmpRoot(), 'out', `${Math.random().toString(36).slice(2)}`, 'model.onnx'),
  crops: { calibration, heldBack },
  ...extra,
});

before(async () => {
  rmSync(tmpRoot(), { recursive: true, force: true });
  detector = detectorSet();
  // Calibration: deepface's portraits; held back: five faceapi_bbt people (labelled by folder).
  calibration = (await collectCrops(assetFace('deepface'), detector)).crops;
  heldBack = (await collectCrops(evalFolder(5), detector)).crops;
});

for (const file of ['fr_feature_512.onnx', 'mobilefacenet_paddle_128.onnx']) {
  test(`${file} INT8 (percentile): runs, cosine >= 0.98 and AUC drop <= 0.005 on held-back faces`, async () => {
    const report = await quantizeModel(options(await bgrModel(file), { method: 'percentile' }));
    assert.ok(report.latency && report.latency.quantizedMs > 0, 'the INT8 model ran in onnxruntime');
    assert.ok(report.accuracy && report.accuracy.faces === heldBack.length);
    assert.ok(report.accuracy.fp32 && report.accuracy.quantized, 'labelled pairs were scored');
    assert.ok(report.accuracy.cosine.mean >= 0.98, `mean cosine ${report.accuracy.cosine.mean}`);
    // The report's figure is the INT8 file's: the same mean cosine, computed here without the tool.
    const fp32Path = await bgrModel(file);
    const independent = await meanCosine(fp32Path, report.out, manifestOf(fp32Path));
    assert.ok(Math.abs(independent - report.accuracy.cosine.mean) < 1e-4, `report says ${report.accuracy.cosine.mean}, the written file gives ${independent}`);
    assert.ok(report.accuracy.fp32.auc - report.accuracy.quantized.auc <= 0.005, `AUC ${report.accuracy.fp32.auc} -> ${report.accuracy.quantized.auc}`);
    assert.ok(report.sizeBytes.quantized < report.sizeBytes.fp32 / 2, 'int8 weights shrink the file');
    assert.ok(report.layerErrors && report.layerErrors.length === report.quantizedNodes, 'one error per quantized layer');
    assert.ok(report.opTimes && report.opTimes.quantized.some((o) => o.op === 'Conv' || o.op === 'QLinearConv'), 'onnxruntime per-op profile read');
  });

  test(`${file} FP16: float32 at the edges, runs, cosine >= 0.999`, async () => {
    const report = await quantizeModel(options(await bgrModel(file), { mode: 'fp16' }));
    const model = readModel(report.out);
    assert.equal(model.graph!.input![0]!.type!.tensorType!.elemType, DT.FLOAT);
    assert.equal(model.graph!.output![0]!.type!.tensorType!.elemType, DT.FLOAT);
    assert.ok(model.graph!.initializer!.some((t) => t.dataType === DT.FLOAT16), 'weights are float16');
    assert.ok(report.accuracy!.cosine.mean >= 0.999, `mean cosine ${report.accuracy!.cosine.mean}`);
    const manifest = JSON.parse(readFileSync(`${report.out}.manifest.json`, 'utf8')) as { precision: string; sha256: string };
    assert.equal(manifest.precision, 'fp16');
    assert.equal(manifest.sha256, await sha256File(report.out));
  });
}

test('compareEmbeddings measures the second model: a damaged copy scores low, the same file scores 1', async () => {
  const fp32 = await bgrModel('fr_feature_512.onnx');
  const manifest = manifestOf(fp32);
  // Damage: the largest weight tensor reversed (same shapes, so it loads and runs).
  const model = readModel(fp32);
  const largest = [...model.graph!.initializer!].filter((t) => t.dataType === DT.FLOAT).sort((a, b) => floatValues(b).length - floatValues(a).length)[0]!;
  const reversed = Float32Array.from(floatValues(largest)).reverse();
  largest.rawData = new Uint8Array(reversed.buffer);
  largest.floatData = [];
  const damaged = join(tmpRoot(), 'damaged.onnx');
  writeFileSync(damaged, encodeModel(model));
  const same = await compareEmbeddings(fp32, fp32, manifest, heldBack);
  const broken = await compareEmbeddings(fp32, damaged, manifest, heldBack);
  assert.ok(same.cosine.mean > 0.9999, `same file: ${same.cosine.mean}`);
  assert.ok(broken.cosine.mean < 0.9, `damaged copy: mean cosine ${broken.cosine.mean}`);
  assert.ok(Math.abs(broken.cosine.mean - (await meanCosine(fp32, damaged, manifest))) < 1e-4, 'the same figure the SDK gives');
  assert.ok(broken.quantized && same.fp32 && broken.quantized.auc < same.fp32.auc, `the damaged model verifies worse: AUC ${broken.quantized?.auc} vs ${same.fp32?.auc}`);
});

const scalar = (model: ReturnType<typeof readModel>, name: string): TensorProto => model.graph!.initializer!.find((t) => t.name === name)!;
const int8Values = (t: TensorProto): Int8Array => new Int8Array(new Uint8Array(t.rawData!).buffer);

test('the written INT8 file: per-channel symmetric weight scales, zero point 0 on every activation', async () => {
  const report = await quantizeModel(options(await bgrModel('fr_feature_512.onnx'), { target: 'cpu' }));
  const model = readModel(report.out);
  const inits = new Map(model.graph!.initializer!.map((t) => [t.name, t]));
  let weights = 0;
  let activations = 0;
  for (const node of model.graph!.node!) {
    const [x, scaleName, zeroName] = node.input!;
    const source = inits.get(x!);
    if (node.opType === 'DequantizeLinear' && source?.dataType === DT.INT8) {
      // A weight: one scale per output channel (axis 0 of a Conv weight), zero points all 0, and
      // symmetric: each channel's largest |q| is 127 (scale = max|w| / 127).
      weights++;
      const shape = dims(source);
      const scales = floatValues(inits.get(scaleName!)!);
      assert.equal(intAttribute(node, 'axis'), 0);
      assert.equal(scales.length, shape[0], `${x}: one scale per channel`);
      assert.ok(int8Values(inits.get(zeroName!)!).every((z) => z === 0), `${x}: zero points 0`);
      const q = int8Values(source);
      const per = q.length / shape[0]!;
      for (let c = 0; c < shape[0]!; c++) {
        let m = 0;
        for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(q[i]!));
        assert.ok(m === 127 || scales[c] === 1, `${x} channel ${c}: max |q| ${m}`);
      }
    }
    if (node.opType === 'QuantizeLinear') {
      activations++;
      const zero = scalar(model, zeroName!);
      assert.equal(zero.dataType, DT.INT8, 'int8 (signed) activations');
      assert.ok(int8Values(zero).every((z) => z === 0), 'zero point 0');
      assert.equal(dims(scalar(model, scaleName!)).length, 0, 'per-tensor activation scale');
      assert.ok(floatValues(scalar(model, scaleName!))[0]! > 0);
    }
  }
  assert.equal(weights, 50, 'every Conv weight quantized');
  assert.ok(activations >= 50, `${activations} activation quantizers`);
});

test('--dynamic-batch: fr_feature_512 (fixed batch 1) runs batch 8 through local:<dir> and its sidecar', async () => {
  const report = await quantizeModel(options(await bgrModel('fr_feature_512.onnx'), { mode: 'fp16', dynamicBatch: true }));
  assert.ok(report.dynamicBatch?.batch8, 'batch 8 ran');
  assert.ok(report.dynamicBatch.maxDiff < 1e-3, `batch-8 sample 0 equals batch 1 (diff ${report.dynamicBatch.maxDiff})`);
  const dir = join(report.out, '..');
  const pipeline = await createFacePipeline({ models: `local:${dir}`, stages: ['embed'] });
  try {
    const crops = heldBack.slice(0, 8).map((c) => c.crop);
    const batched = await pipeline.embed(crops);
    assert.equal(batched.length, 8);
    assert.equal(pipeline.manifests.embed?.precision, 'fp16');
    const single = await pipeline.embed([crops[3]!]);
    const cos = batched[3]!.reduce((a, v, i) => a + v * single[0]![i]!, 0);
    assert.ok(cos > 0.9999, `batched vs single embedding cosine ${cos}`);
  } finally {
    await pipeline.dispose();
  }
});

test('an op the quantizer does not know stays float and is listed; the model still runs', async () => {
  const model = writeSyntheticRecognizer(join(tmpRoot(), 'synthetic'));
  const report = await quantizeModel(options(model, { method: 'minmax' }));
  assert.deepEqual(report.unknownOps, [{ name: 'softsign', op: 'Softsign' }]);
  assert.equal(report.quantizedNodes, 2);
  assert.ok(report.accuracy!.cosine.mean > 0.9, `synthetic cosine ${report.accuracy!.cosine.mean}`);
  const written = readModel(report.out);
  const softsign = written.graph!.node!.find((n) => n.opType === 'Softsign')!;
  assert.deepEqual(softsign.input, ['a'], 'Softsign reads the float Conv output, no Q/DQ around it');
});

test('bad input: not ONNX, empty folder, no faces, int8 without --calib', async () => {
  const dir = join(tmpRoot(), 'bad');
  mkdirSync(join(dir, 'empty'), { recursive: true });
  mkdirSync(join(dir, 'nofaces'), { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), 'this is not a protobuf model\n');
  const noise = createFrame(200, 200, new Uint8Array(200 * 200 * 3).map((_, i) => (i * 7) % 256));
  writeFileSync(join(dir, 'nofaces', 'noise.png'), encodePng(noise));
  const code = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
      return 'no error';
    } catch (error) {
      assert.ok(isArcEdgeError(error), String(error));
      assert.ok(error.fix.length > 10, 'every error says what to do');
      return error.code;
    }
  };
  assert.equal(await code(quantizeModel({ model: join(dir, 'model.onnx'), mode: 'fp16', out: join(dir, 'out.onnx') })), 'MODEL_UNREADABLE');
  assert.equal(await code(collectCrops(join(dir, 'empty'), detector)), 'CALIBRATION_EMPTY');
  assert.equal(await code(collectCrops(join(dir, 'nofaces'), detector)), 'CALIBRATION_NO_FACES');
  assert.equal(await quantizeCommand([assetModel('fr_feature_512.onnx'), '--mode', 'int8', '--out', join(dir, 'x.onnx')]), 2, 'int8 without --calib is a usage error');
  assert.equal(await quantizeCommand([assetModel('fr_feature_512.onnx'), '--mode', 'int4', '--out', join(dir, 'x.onnx')]), 2);
});
