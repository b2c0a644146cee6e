/**
 * Verification sets: `arcedge pack-pairs` writes an insightface `.bin` the trainer reads back;
 * the reader refuses a pickle that would run code (and runs none of it); the 10-fold metric
 * scores a separable and an inseparable set as it must.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeVerificationBin } from '../../tools/train/pickle-bin.ts';
import { assetFace } from '../helpers/assets.ts';
import { arcedge, detectorSet, pythonScript, tempDir, trainerJson } from './helpers.ts';

describe('verification .bin files', () => {
  it('pack-pairs builds a .bin of aligned crops with same and different pairs that the trainer reads', () => {
    const out = join(tempDir('pairs'), 'dev.bin');
    const r = arcedge(['pack-pairs', assetFace('face_recognition', 'examples', 'knn_examples', 'train'), out, '--models', detectorSet(), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { pairs: number; same: number; different: number };
    // 4 people have 2 photos each (one same pair each); as many different pairs are drawn.
    assert.deepEqual([summary.same, summary.different], [4, 4]);
    const read = trainerJson(['read-bin', out]);
    assert.equal(read.code, 0, read.stderr);
    assert.deepEqual([read.lines[0]!.pairs, read.lines[0]!.same, read.lines[0]!.images], [8, 4, 16]);
  });

  it('the TypeScript writer and Python reader agree on bytes and flags', () => {
    const images = [Buffer.from('a'), Buffer.alloc(300, 7), Buffer.from([0x80, 0x04, 0x2e]), Buffer.alloc(0)];
    const path = join(tempDir('bin'), 'x.bin');
    writeFileSync(path, encodeVerificationBin(images, [true, false]));
    const read = trainerJson(['read-bin', path]);
    assert.deepEqual(read.lines[0]!.sha256, images.map((b) => createHash('sha256').update(b).digest('hex')));
    assert.equal(read.lines[0]!.same, 1);
  });

  it('a .bin carrying a malicious pickle is refused and nothing in it runs', () => {
    const dir = tempDir('evil');
    const marker = join(dir, 'pwned');
    const bin = join(dir, 'evil.bin');
    // A reduce of os.system: an unrestricted pickle.load would create the marker file.
    const made = pythonScript(
      `import pickle, sys
class Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch " + sys.argv[2],))
pickle.dump(([Evil(), b"x"], [True]), open(sys.argv[1], "wb"))`,
      [bin, marker],
    );
    assert.equal(made.code, 0, made.stderr);
    const read = trainerJson(['read-bin', bin]);
    assert.equal(read.code, 1);
    assert.equal(read.lines[0]!.code, 'VERIFICATION_BIN_INVALID');
    assert.match(String(read.lines[0]!.message), /posix\.system|os\.system/);
    assert.equal(existsSync(marker), false, 'the pickle ran code');
    // arcedge train refuses it before any training starts.
    const train = arcedge(['train', '--config', 'preset:mbf-smoke', '--data', assetFace('faceapi_bbt'), '--out', dir, '--set', `data.verification=${JSON.stringify([bin])}`]);
    assert.equal(train.code, 1);
    assert.match(train.stderr, /\[VERIFICATION_BIN_INVALID\]/);
    assert.equal(existsSync(marker), false);
    assert.equal(existsSync(join(dir, 'mbf-smoke')), false, 'a run folder was created');
  });

  it('10-fold accuracy: separable scores give 1.0, constant scores give the majority share', () => {
    const r = pythonScript(
      `import json, numpy as np; from trainer.verification import ten_fold
same = np.array([True, False] * 50)
print(json.dumps([ten_fold(np.where(same, 0.9, 0.1), same), ten_fold(np.full(100, 0.5), same)]))`,
    );
    assert.equal(r.code, 0, r.stderr);
    const [separable, constant] = JSON.parse(r.stdout) as { accuracy: number; tarAtFar: number }[];
    assert.equal(separable!.accuracy, 1);
    assert.equal(separable!.tarAtFar, 1);
    assert.equal(constant!.accuracy, 0.5);
  });
});
