/**
 * `arcedge enroll` tells the truth (issue 24): a person left without a template fails the run
 * (exit 1, named on stderr), --json gives every photo's verdict with a readable reason,
 * near-duplicates are counted apart from refusals, and --embedder picks the recognizer of a
 * set that holds two.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { localAssetSet } from '../analyzer/model-sets.ts';
import { assetFace } from '../helpers/assets.ts';
import { writePng } from '../helpers/png.ts';
import { arcedge } from '../helpers/cli-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'arcedge-enroll-verdicts-'));
const TRAIN = assetFace('face_recognition', 'examples', 'knn_examples', 'train');


interface Verdict { person: string | null; source: string; outcome: string; reason?: string; message: string; faces?: number }

test('a person with no usable photo fails the run; every photo has a verdict; duplicates are not failures', () => {
  const people = join(dir, 'people');
  const obama = join(people, 'obama');
  const ghost = join(people, 'ghost');
  mkdirSync(obama, { recursive: true });
  mkdirSync(ghost, { recursive: true });
  copyFileSync(join(TRAIN, 'obama', 'obama.jpg'), join(obama, 'a.jpg'));
  copyFileSync(join(TRAIN, 'obama', 'obama.jpg'), join(obama, 'b-copy.jpg')); // the same photo again: a near-duplicate
  // ghost: a smooth gradient (no face) and a file that is not an image.
  const w = 320, h = 240, px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([x % 256, y % 256, 128], (y * w + x) * 3);
  writeFileSync(join(ghost, 'wall.png'), writePng(w, h, 2, 8, px));
  writeFileSync(join(ghost, 'notes.jpg'), 'not a jpeg');

  const models = localAssetSet('enroll-verdicts', ['det_500m.onnx', 'fr_feature_512.onnx']);
  const r = arcedge('enroll', people, '--gallery', join(dir, 'g.db'), '--models', models, '--json');
  assert.equal(r.code, 1, `a person without a template must fail the run\n${r.stderr}`);
  assert.match(r.stderr, /1 of 2 people got no template.*ghost \((1 no-face, 1 unreadable|1 unreadable, 1 no-face)\)/, r.stderr);
  const out = JSON.parse(r.stdout) as { added: number; duplicates: number; refused: number; notEnrolled: string[]; photos: Verdict[] };
  assert.deepEqual(out.notEnrolled, ['ghost']);
  assert.equal(out.photos.length, 4, 'one verdict per photo');
  const bySource = new Map(out.photos.map((v) => [v.source.split('/').slice(-2).join('/'), v]));
  assert.equal(bySource.get('obama/a.jpg')?.outcome, 'enrolled');
  assert.equal(bySource.get('obama/b-copy.jpg')?.outcome, 'duplicate');
  assert.equal(bySource.get('ghost/wall.png')?.reason, 'no-face');
  assert.equal(bySource.get('ghost/notes.jpg')?.reason, 'unreadable');
  assert.deepEqual([out.added, out.duplicates, out.refused], [1, 1, 2], 'near-duplicates are counted apart from refusals');
  for (const v of out.photos) assert.ok(v.message.length > 10 && !/^[a-z-]+$/.test(v.message), `readable message: ${v.message}`);
});

test('--embedder picks the recognizer of a set that holds two; the gallery records it', () => {
  const models = localAssetSet('enroll-two-recognizers', ['det_500m.onnx', 'fr_feature_512.onnx', 'mobilefacenet_paddle_128.onnx']);
  const r = arcedge('enroll', TRAIN, '--gallery', join(dir, 'paddle.db'), '--models', models, '--embedder', 'mobilefacenet_paddle_128.onnx', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { models: Record<string, string>; notEnrolled: string[] };
  assert.match(out.models.embed ?? '', /paddle/i, JSON.stringify(out.models));
  assert.deepEqual(out.notEnrolled, []);
  const bad = arcedge('enroll', TRAIN, '--gallery', join(dir, 'bad.db'), '--models', models, '--embedder', 'nope');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /nope/);
});
