/**
 * The quality verdict on real faces: a sharp frontal portrait passes, the same photo blurred
 * fails on blur only, the same face shrunk to ~25 px fails on size, and every threshold can be
 * moved per analyzer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFaceAnalyzer, type Face, type FaceAnalyzer } from '../../sdk/analyzer/index.ts';
import { createFrame, readImage, resizeFrame } from '../../sdk/image/index.ts';
import type { Frame } from '../../sdk/image/frame.ts';
import { judgeQuality, QUALITY_DEFAULTS } from '../../sdk/quality/index.ts';
import { assetFace } from '../helpers/assets.ts';
import { largestFace } from '../analyzer/embed-photos.ts';
import { SCRFD_FR512 } from '../analyzer/model-sets.ts';
import { gaussianBlur } from './blur-frame.ts';

let analyzer: FaceAnalyzer;
let portrait: Frame;
let sharp: Face;

before(async () => {
  analyzer = await createFaceAnalyzer({ models: SCRFD_FR512() });
  // deepface img1: a frontal studio portrait; downscaled so the JS blur below stays fast.
  const original = await readImage(assetFace('deepface', 'img1.jpg'));
  const scale = 480 / original.width;
  portrait = resizeFrame(original, 480, Math.round(original.height * scale), 'area');
  sharp = largestFace(await analyzer.analyze(portrait))!;
  assert.ok(sharp, 'the portrait has a face');
});
after(() => analyzer.dispose());

test('a sharp frontal portrait passes every gate', () => {
  const m = sharp.quality.metrics;
  console.log(`sharp: ${JSON.stringify(m)}`);
  assert.deepEqual(sharp.quality.reasons, []);
  assert.equal(sharp.quality.ok, true);
  assert.ok(m.blurVariance > 2 * QUALITY_DEFAULTS.minBlurVariance, `blur variance ${m.blurVariance}`);
  assert.ok(Math.abs(m.yawDeg) < 20 && Math.abs(m.pitchDeg) < 20 && Math.abs(m.rollDeg) < 10, 'frontal');
});

test('the same photo blurred (sigma = face/45) fails on blur, and only on blur', async () => {
  const blurred = largestFace(await analyzer.analyze(gaussianBlur(portrait, sharp.quality.metrics.faceSizePx / 45)));
  assert.ok(blurred, 'still detected');
  console.log(`blurred: blurVariance ${blurred.quality.metrics.blurVariance.toFixed(1)} (sharp ${sharp.quality.metrics.blurVariance.toFixed(1)})`);
  assert.deepEqual(blurred.quality.reasons, ['too-blurry']);
  assert.ok(blurred.quality.metrics.blurVariance < sharp.quality.metrics.blurVariance / 5);
});

test('the same face shrunk to ~25 px in a 640x480 frame fails on size', async () => {
  const target = 25;
  const scale = target / sharp.quality.metrics.faceSizePx;
  const tiny = resizeFrame(portrait, Math.round(portrait.width * scale), Math.round(portrait.height * scale), 'area');
  const canvas = createFrame(640, 480);
  canvas.data.fill(128);
  for (let y = 0; y < tiny.height; y++) canvas.data.set(tiny.data.subarray(y * tiny.width * 3, (y + 1) * tiny.width * 3), ((200 + y) * 640 + 300) * 3);
  const face = largestFace(await analyzer.analyze(canvas));
  assert.ok(face, 'SCRFD still finds the tiny face');
  assert.ok(face.quality.metrics.faceSizePx < QUALITY_DEFAULTS.minFaceSizePx, `size ${face.quality.metrics.faceSizePx}`);
  assert.ok(face.quality.reasons.includes('face-too-small'), face.quality.reasons.join(','));
  assert.equal(face.quality.ok, false);
});

test('thresholds are per analyzer and per call to judgeQuality', async () => {
  const strict = judgeQuality(sharp.quality.metrics, { minFaceSizePx: sharp.quality.metrics.faceSizePx + 1, maxRollDeg: 0 });
  assert.deepEqual(strict.reasons, ['face-too-small', 'roll-too-large']);
  const picky = await createFaceAnalyzer({ models: SCRFD_FR512(), quality: { minBlurVariance: 1e9 } });
  try {
    const [face] = await picky.analyze(portrait);
    assert.deepEqual(face!.quality.reasons, ['too-blurry']);
  } finally {
    await picky.dispose();
  }
});
