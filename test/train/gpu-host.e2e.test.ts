/**
 * What a GPU host's run goes through, checked on CPU (issue 22): DataLoader worker processes
 * reading a packed set, the mixed-precision path (bf16 autocast on CPU through the code that
 * runs fp16 on CUDA), collectives on the backend's device, the classifier sharded across ranks
 * (2 gloo ranks = 1 process over the same global batch), clipping over the backbone only,
 * numpy-2 .bin files, and checkpoints in and out of arcface_torch's layout (`train export`,
 * `--init`). Each Python check prints one JSON line (test/train/python/*.py).
 * NCCL and CUDA fp16 themselves cannot run here: scripts/gpu-train-check.sh runs them on a GPU.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { compare, createTensor, createFacePipeline, loadSession } from '../../sdk/index.ts';
import { repoRoot } from '../helpers/assets.ts';
import { trainerEnv } from '../../tools/train/python.ts';
import { arcedge, python, tempDir, trainerJson } from './helpers.ts';

function check(script: string, args: string[] = []): Record<string, any> {
  const r = spawnSync(python(), ['-W', 'ignore', join(repoRoot, 'test', 'train', 'python', script), ...args], { env: trainerEnv(), encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${script}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, any>;
}

const events = (stdout: string): Record<string, any>[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);

describe('training on a GPU host, checked on CPU', () => {
  const work = tempDir('gpu-host');
  const data = join(work, 'set');

  before(() => {
    const r = trainerJson(['synthetic', '--out', data, '--classes', '12', '--per-class', '8']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('a DataLoader with 4 worker processes reads every record exactly once, with the right bytes and label', () => {
    const r = check('dataloader_workers.py', ['4']);
    assert.deepEqual(r.errors, []);
    assert.equal(r.read, r.records);
    assert.equal(r.distinct, r.records);
    assert.equal(r.duplicates, 0);
    assert.equal(r.wrong, 0);
  });

  it('mixed precision (bf16 autocast on CPU): fp32 logits, finite loss and gradients; clipping covers the backbone only', () => {
    const r = check('amp_bf16.py');
    assert.equal(r.logitsDtype, 'torch.float32');
    assert.equal(r.lossDtype, 'torch.float32');
    assert.ok(r.bf16.finite, JSON.stringify(r.bf16));
    assert.ok(r.bf16.losses.at(-1) < r.bf16.losses[0], JSON.stringify(r.bf16));
    assert.ok(r.exactMatch.finite, JSON.stringify(r.exactMatch));
    assert.ok(Math.abs(r.clip.backboneNorm - 1e-3) < 1e-6, JSON.stringify(r.clip));
    assert.equal(r.clip.headDiff, 0);
    assert.ok(r.clip.headNorm > 1e-2);
  });

  it('the sharded classifier: 2 gloo ranks give the loss and gradients of 1 process (1e-5); collectives on the backend device', () => {
    const r = check('sharded_head.py');
    assert.deepEqual(r.nccl, { backend: 'nccl', device: 'cuda:1', backendFor: ['nccl', 'cuda:3'] });
    for (const kind of ['arcface', 'cosface', 'softmax']) {
      const k = r[kind];
      assert.deepEqual(k.shards, [[0, 6], [6, 5]]);
      assert.ok(k.lossDiff < 1e-5, `${kind} loss ${JSON.stringify(k)}`);
      assert.ok(k.backboneGradDiff < 1e-5 && k.backboneGradMax > 1e-2, `${kind} backbone grads ${JSON.stringify(k)}`);
      assert.ok(k.centreGradDiff < 1e-5 && k.centreGradMax > 1e-2, `${kind} centre grads ${JSON.stringify(k)}`);
      assert.equal(k.backend, 'gloo');
      assert.ok(k.collectives.length >= 2, JSON.stringify(k.collectives));
      for (const c of k.collectives) assert.ok(c.endsWith(`:${k.contextDevice}`), `${c} is not on ${k.contextDevice}`);
    }
  });

  it('a verification .bin written with numpy 2 (numpy._core) is read; a tampered one is still refused', () => {
    const r = check('numpy2_bin.py');
    assert.deepEqual([r.pairs, r.same, r.bytesMatch, r.evil], [2, 1, true, 'VERIFICATION_BIN_INVALID']);
  });

  it('train export: an arcface_torch r18 backbone.pth / model.pt becomes a package whose ONNX matches the reference (cosine > 0.9999)', async () => {
    const ref = join(work, 'arcface_torch');
    const info = check('arcface_torch_layout.py', [ref]);
    assert.equal(info.parameters, 24_025_600);
    const input = new Float32Array(Uint8Array.from(readFileSync(join(ref, 'input.f32'))).buffer);
    const reference = new Float32Array(Uint8Array.from(readFileSync(join(ref, 'reference.f32'))).buffer);
    for (const file of ['backbone.pth', 'model.pt']) {
      const out = join(work, `pkg-${file}`);
      const r = arcedge(['train', 'export', '--checkpoint', join(ref, file), '--network', 'r18', '--out', out, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const session = await loadSession(join(out, 'model.onnx'), { threads: 1 });
      const y = (await session.run({ data: createTensor('float32', input, [info.count, 3, 112, 112]) })).fc1!.data as Float32Array;
      await session.dispose();
      for (let i = 0; i < info.count; i++) {
        const c = compare(reference.subarray(i * 512, (i + 1) * 512), y.subarray(i * 512, (i + 1) * 512));
        assert.ok(c > 0.9999, `${file} crop ${i}: cosine ${c}`);
      }
    }
    const pipeline = await createFacePipeline({ models: `local:${join(work, 'pkg-backbone.pth')}`, stages: ['embed'] });
    assert.equal(pipeline.embeddingSize, 512);
    await pipeline.dispose();
  });

  it('train export: a checkpoint that does not fit the network names the first mismatched key and both shapes; nothing is written', () => {
    const ref = join(work, 'arcface_torch');
    const out = join(work, 'pkg-wrong');
    const r = arcedge(['train', 'export', '--checkpoint', join(ref, 'backbone.pth'), '--network', 'r34', '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[CONFIG_INVALID\].*does not fit --network r34/);
    assert.match(r.stderr, /it has no layer1\.2\.bn1\.weight \(shape \(64,\)\)/); // r34 has a third unit in stage 1, r18 not
    assert.equal(existsSync(out), false);
    const mbf = arcedge(['train', 'export', '--checkpoint', join(ref, 'backbone.pth'), '--network', 'mbf', '--out', out]);
    assert.match(mbf.stderr, /\[CONFIG_INVALID\].*has no layers\.0\.layers\.0\.weight \(shape \(128, 3, 3, 3\)\)/);
    const unknown = arcedge(['train', 'export', '--checkpoint', join(ref, 'backbone.pth'), '--network', 'r9', '--out', out]);
    assert.match(unknown.stderr, /\[CONFIG_INVALID\][\s\S]*r18, r34, r50, r100, r200/);
    assert.equal(existsSync(out), false);
  });

  it('the smoke run with workers: 2 on a packed set, 2 DDP processes, fine-tuned from a checkpoint (--init)', () => {
    const init = join(work, 'mbf128.pth');
    const made = spawnSync(python(), ['-c', `import torch; from trainer.backbones import get_model; torch.manual_seed(3); torch.save(get_model("mbf", 128).state_dict(), ${JSON.stringify(init)})`], { env: trainerEnv(), encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const runs = join(work, 'runs');
    const r = arcedge(['train', '--config', 'preset:mbf-smoke', '--data', data, '--out', runs, '--steps', '6', '--set', 'workers=2', '--set', 'logEvery=2', '--init', init, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = events(r.stdout);
    assert.equal(out.find((e) => e.event === 'initialised')?.checkpoint, init);
    const start = out.find((e) => e.event === 'start')!;
    assert.deepEqual([start.world, start.classesPerRank], [2, 6]);
    const steps = out.filter((e) => e.event === 'step');
    assert.equal(steps.at(-1)?.step, 6);
    assert.ok(steps.every((s) => Number.isFinite(s.loss) && s.imgPerSec > 0), JSON.stringify(steps));
    assert.ok(existsSync(join(runs, 'mbf-smoke', 'checkpoints', 'step-0000006.rank1.pt')));
    assert.ok(existsSync(join(runs, 'mbf-smoke', 'package', 'model.onnx.manifest.json')));
  });

  it('--init with a checkpoint that does not fit fails before the run starts, naming the key and both shapes', () => {
    const runs = join(work, 'runs-bad-init');
    // The 512-d r18 into the smoke preset's 128-d embedding: the same keys, one shape differs.
    const r = arcedge(['train', '--config', 'preset:mbf-smoke', '--network', 'r18', '--data', data, '--out', runs, '--init', join(work, 'arcface_torch', 'backbone.pth')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[CONFIG_INVALID\].*does not fit --network r18: fc\.weight is \(512, 25088\) in the checkpoint, \(128, 25088\) in the network/);
    assert.equal(existsSync(join(runs, 'mbf-smoke')), false);
  });
});
