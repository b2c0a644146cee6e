/**
 * The examples are what users copy first, so they run here as users run them (a child
 * process through tsx) on real photos, and their output is checked, not just their exit code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../sdk/image/index.ts';
import { assetFace, repoRoot } from '../helpers/assets.ts';

function example(name: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join('examples', name), ...args], {
    cwd: repoRoot,
    env: process.env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('analyze-image prints both faces of two_people.jpg and writes an annotated JPEG', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'arcedge-example-')), 'annotated.jpg');
  const photo = assetFace('face_recognition', 'examples', 'two_people.jpg');
  const { code, stdout, stderr } = example('analyze-image.ts', [photo, out]);
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout) as { faces: { landmarks: number[][]; embedding: { size: number } }[] };
  assert.equal(report.faces.length, 2);
  for (const face of report.faces) {
    assert.equal(face.landmarks.length, 5);
    assert.equal(face.embedding.size, 512);
  }
  const original = decodeImage(readFileSync(photo));
  const annotated = decodeImage(readFileSync(out));
  assert.deepEqual([annotated.width, annotated.height], [original.width, original.height]);
});

test('compare-faces: same person above the threshold, different people below', () => {
  const obama = (file: string) => assetFace('face_recognition', 'tests', 'test_images', file);
  const same = example('compare-faces.ts', [obama('obama.jpg'), obama('obama2.jpg')]);
  assert.equal(same.code, 0, same.stderr);
  const sameResult = JSON.parse(same.stdout.split('\n')[0]!) as { cosine: number; threshold: number; same: boolean };
  assert.equal(sameResult.same, true);
  assert.ok(sameResult.cosine > sameResult.threshold);
  const different = example('compare-faces.ts', [obama('obama.jpg'), obama('biden.jpg')]);
  assert.equal(different.code, 0, different.stderr);
  const differentResult = JSON.parse(different.stdout.split('\n')[0]!) as { cosine: number; same: boolean };
  assert.equal(differentResult.same, false);
  assert.ok(differentResult.cosine < sameResult.cosine);
});

test('detect-then-embed: a face seen again in the next frame is tracked, not embedded again', () => {
  const two = assetFace('face_recognition', 'examples', 'two_people.jpg');
  const messi = assetFace('debian', 'messi5.jpg');
  const { code, stdout, stderr } = example('detect-then-embed.ts', [two, two, two, messi]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n');
  assert.match(lines[0]!, /2 face\(s\), 2 embedded, tracks 1, 2$/);
  assert.match(lines[1]!, /2 face\(s\), 0 embedded, tracks 1, 2$/);
  assert.match(lines[2]!, /2 face\(s\), 0 embedded, tracks 1, 2$/);
  assert.match(lines[3]!, /1 face\(s\), 1 embedded, tracks 3$/);
  assert.match(lines[4]!, /^done: 7 detections, 3 embeddings/);
});
