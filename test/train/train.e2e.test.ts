/**
 * The acceptance run, on CPU: `arcedge pack` the faceapi_bbt photos, train MobileFaceNet with
 * 2 DDP processes (gloo, self-launched), stop it with Ctrl-C, `--resume` it to the end, and
 * check the loss fell, checkpoints and charts exist, the exported ONNX matches PyTorch, and the
 * SDK loads the package as `local:<dir>` and embeds real photos with the manifest's RGB
 * normalisation (the trainer's), which a BGR feed would not reproduce.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { compare, createFacePipeline, createTensor, loadSession, type Frame } from '../../sdk/index.ts';
import { assetFace } from '../helpers/assets.ts';
import { arcedge, arcedgeStreaming, detectorSet, python, tempDir } from './helpers.ts';
import { spawnSync } from 'node:child_process';
import { trainerEnv } from '../../tools/train/python.ts';

const STEPS = 8;

/** NCHW float32, RGB, (x - 127.5) / 127.5: what the trainer feeds (optionally BGR, to show it matters). */
function tensorOf(crops: readonly Frame[], order: 'rgb' | 'bgr'): Float32Array {
  const plane = 112 * 112;
  const out = new Float32Array(crops.length * 3 * plane);
  crops.forEach((crop, n) => {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const bgrIndex = order === 'rgb' ? 2 - c : c;
        out[n * 3 * plane + c * plane + p] = (crop.data[p * 3 + bgrIndex]! - 127.5) / 127.5;
      }
    }
  });
  return out;
}

const events = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('arcedge train (CPU, 2 DDP processes, MobileFaceNet)', () => {
  const work = tempDir('train');
  const data = join(work, 'bbt');
  const runs = join(work, 'runs');
  const runDir = join(runs, 'mbf-smoke');
  const args = ['train', '--config', 'preset:mbf-smoke', '--data', data, '--out', runs, '--steps', String(STEPS), '--set', 'checkpointEvery=2', '--json'];
  let interruptedAt = 0;

  before(() => {
    const packed = arcedge(['pack', assetFace('faceapi_bbt'), data, '--models', detectorSet(), '--json']);
    assert.equal(packed.code, 0, packed.stderr);
  });

  it('Ctrl-C stops the workers cleanly with a checkpoint (exit 130)', async () => {
    let sent = false;
    const r = await arcedgeStreaming(args, (line, child) => {
      if (!sent && line.startsWith('{') && (JSON.parse(line) as { event?: string }).event === 'step') {
        sent = true;
        child.kill('SIGINT');
      }
    });
    assert.equal(r.code, 130, r.stderr);
    const interrupted = events(r.stdout).find((e) => e.event === 'interrupted');
    assert.ok(interrupted, r.stdout);
    interruptedAt = Number(interrupted.step);
    assert.ok(interruptedAt > 0 && interruptedAt < STEPS, `stopped at ${interruptedAt}`);
    assert.equal(readFileSync(join(runDir, 'checkpoints', 'latest'), 'ascii'), `step-${String(interruptedAt).padStart(7, '0')}.pt`);
  });

  it('--resume continues from the checkpoint to the end, the loss falls, and the package is written', () => {
    const r = arcedge([...args, '--resume']);
    assert.equal(r.code, 0, r.stderr);
    const out = events(r.stdout);
    assert.equal(out.find((e) => e.event === 'resumed')?.step, interruptedAt);
    assert.equal(out.find((e) => e.event === 'done')?.step, STEPS);
    const steps = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; loss: number; step: number }).filter((e) => e.event === 'step');
    assert.ok(steps.length >= 3, JSON.stringify(steps));
    assert.ok(steps.at(-1)!.loss < steps[0]!.loss * 0.9, `loss ${steps[0]!.loss} -> ${steps.at(-1)!.loss}`);
    assert.deepEqual(readFileSync(join(runDir, 'charts', 'loss.png')).subarray(1, 4).toString('ascii'), 'PNG');
    assert.ok(existsSync(join(runDir, 'config.json')));
    for (const f of ['model.onnx', 'model.onnx.manifest.json', 'eval.json']) assert.ok(existsSync(join(runDir, 'package', f)), f);
  });

  it('ONNX (onnxruntime-node) matches PyTorch, and the SDK embeds real photos as the trainer would', async () => {
    const detector = await createFacePipeline({ models: detectorSet(), stages: ['detect'] });
    const crops: Frame[] = [];
    for (const photo of ['obama.jpg', 'obama2.jpg', 'biden.jpg', 'biden2.jpg']) {
      const person = photo.replace(/2?\.jpg$/, '');
      const { frame } = await detector.loadFrame(assetFace('face_recognition', 'examples', 'knn_examples', 'train', person, photo));
      const [face] = await detector.detect(frame);
      crops.push(detector.align(frame, face!).crop);
    }
    await detector.dispose();

    const input = tensorOf(crops, 'rgb');
    const inPath = join(work, 'crops.f32');
    const outPath = join(work, 'torch.f32');
    writeFileSync(inPath, input);
    const checkpoint = join(runDir, 'checkpoints', readFileSync(join(runDir, 'checkpoints', 'latest'), 'ascii'));
    const r = spawnSync(python(), ['-m', 'trainer', 'embed', '--checkpoint', checkpoint, '--input', inPath, '--count', String(crops.length), '--out', outPath], { env: trainerEnv(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const torchOut = new Float32Array(Uint8Array.from(readFileSync(outPath)).buffer); // a copy: small reads share a pooled buffer
    const dim = torchOut.length / crops.length;
    assert.equal(dim, 128);
    const torchRow = (i: number): Float32Array => torchOut.subarray(i * dim, (i + 1) * dim);

    const session = await loadSession(join(runDir, 'package', 'model.onnx'), { threads: 1 });
    const ort = (await session.run({ data: createTensor('float32', input, [crops.length, 3, 112, 112]) })).fc1!;
    await session.dispose();
    const ortData = ort.data as Float32Array;
    for (let i = 0; i < crops.length; i++) {
      const c = compare(torchRow(i), ortData.subarray(i * dim, (i + 1) * dim));
      assert.ok(c >= 0.9999, `crop ${i}: PyTorch vs onnxruntime cosine ${c}`);
    }

    const pipeline = await createFacePipeline({ models: `local:${join(runDir, 'package')}`, stages: ['embed'] });
    assert.equal(pipeline.embeddingSize, 128);
    const sdk = await pipeline.embed(crops);
    await pipeline.dispose();
    for (let i = 0; i < crops.length; i++) {
      assert.ok(Math.abs(Math.hypot(...sdk[i]!) - 1) < 1e-4);
      const c = compare(torchRow(i), sdk[i]!);
      assert.ok(c >= 0.9999, `crop ${i}: SDK (manifest preprocessing) vs PyTorch cosine ${c}`);
    }
    // A smoke-trained net's embeddings share a large constant part (its BatchNorm offset), so
    // the plain cosine would pass for nearly any input. Centred on the mean PyTorch embedding,
    // only the photo-dependent part is left: the SDK must reproduce it, and a BGR feed must not.
    const unit = (v: Float32Array): Float32Array => v.map((x) => x / Math.hypot(...v));
    const mean = new Float32Array(dim);
    for (let i = 0; i < crops.length; i++) unit(torchRow(i)).forEach((x, k) => (mean[k]! += x / crops.length));
    const centred = (v: Float32Array): Float32Array => unit(v).map((x, k) => x - mean[k]!);
    const bgr = await loadSession(join(runDir, 'package', 'model.onnx'), { threads: 1 });
    const swapped = (await bgr.run({ data: createTensor('float32', tensorOf(crops, 'bgr'), [crops.length, 3, 112, 112]) })).fc1!.data as Float32Array;
    await bgr.dispose();
    for (let i = 0; i < crops.length; i++) {
      const reference = centred(torchRow(i));
      const sdkCentred = compare(reference, centred(sdk[i]!));
      const bgrCentred = compare(reference, centred(swapped.subarray(i * dim, (i + 1) * dim)));
      assert.ok(sdkCentred >= 0.999, `crop ${i}: centred SDK vs PyTorch cosine ${sdkCentred}`);
      assert.ok(bgrCentred < 0.99, `crop ${i}: a BGR feed should differ; centred cosine ${bgrCentred}`);
    }
  });
});
