/**
 * Bad input fails before any training starts, with the error code and a message that names
 * the problem: unknown config keys, no PyTorch, an empty folder, a missing .idx, a truncated
 * .rec. (A malicious verification .bin: test/train/verification.e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeInsightfaceSet } from '../../tools/train/recordio.ts';
import { arcedge, python, tempDir } from './helpers.ts';

function train(out: string, ...extra: string[]) {
  return arcedge(['train', '--config', 'preset:mbf-smoke', '--out', out, ...extra]);
}

describe('arcedge train / pack refuse bad input up front', () => {
  const work = tempDir('bad-input');
  const good = join(work, 'set');
  mkdirSync(good);
  writeInsightfaceSet(good, [[randomBytes(600), randomBytes(600)], [randomBytes(600), randomBytes(600)]]);

  it('a config with unknown keys lists every one with its path (CONFIG_INVALID)', () => {
    const config = join(work, 'typo.json');
    writeFileSync(config, JSON.stringify({ data: { path: good }, bachSize: 8, head: { type: 'arcface', margin: 0.5 } }));
    const r = arcedge(['train', '--config', config, '--out', work]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[CONFIG_INVALID\]/);
    assert.match(r.stderr, /bachSize/);
    assert.match(r.stderr, /head: .*margin/);
    const viaSet = train(work, '--data', good, '--set', 'optim.learningRate=0.1');
    assert.match(viaSet.stderr, /\[CONFIG_INVALID\][\s\S]*learningRate/);
  });

  it('an empty folder is DATASET_INVALID for train and pack', () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    const r = train(work, '--data', empty);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[DATASET_INVALID\].*holds no photos/);
    const p = arcedge(['pack', empty, join(work, 'packed')]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /\[DATASET_INVALID\]/);
  });

  it('a missing .idx and a truncated .rec are DATASET_INVALID, and no run folder is made', () => {
    const noIdx = join(work, 'noidx');
    mkdirSync(noIdx);
    writeFileSync(join(noIdx, 'train.rec'), readFileSync(join(good, 'train.rec')));
    const a = train(work, '--data', noIdx);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /\[DATASET_INVALID\].*train\.idx is missing/);

    const cut = join(work, 'cut');
    mkdirSync(cut);
    const rec = readFileSync(join(good, 'train.rec'));
    writeFileSync(join(cut, 'train.rec'), rec.subarray(0, rec.length - 700));
    writeFileSync(join(cut, 'train.idx'), readFileSync(join(good, 'train.idx')));
    const b = train(work, '--data', cut);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /\[DATASET_INVALID\].*truncated/);
    assert.equal(existsSync(join(work, 'mbf-smoke')), false);
  });

  it('an interpreter without PyTorch is TRAIN_ENV_MISSING, naming what was tried', () => {
    // The same Python with site-packages switched off (-S): it cannot import torch.
    const noTorch = join(work, 'python-without-torch');
    writeFileSync(noTorch, `#!/bin/sh\nexec ${python()} -S "$@"\n`);
    chmodSync(noTorch, 0o755);
    const r = train(work, '--data', good, '--python', noTorch);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[TRAIN_ENV_MISSING\] no Python with PyTorch found/);
    assert.match(r.stderr, /No module named 'torch'/);
    assert.match(r.stderr, /python3-torch/);
    rmSync(noTorch);
  });
});
