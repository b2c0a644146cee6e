/**
 * Input planning arithmetic (sdk/detect/scale-plan.ts): which first-pass input a frame gets from
 * the caller's minimum face, the faces tracked in the last frame, or nothing; and when a small
 * pass's result may stand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIDENT_INPUT_FACE_PX, MIN_INPUT_FACE_PX, planDetectorScale, SMALL_INPUT_SIDE_PX, trustFirstPass } from '../../sdk/detect/scale-plan.ts';

const FULL = { width: 640, height: 640 };
const box = (side: number) => ({ x1: 10, y1: 10, x2: 10 + side, y2: 10 + side });

test('a photo without hints: a small first pass with the full-size fallback', () => {
  assert.deepEqual(planDetectorScale({ width: 1920, height: 1080 }, FULL), { firstSidePx: SMALL_INPUT_SIDE_PX, fallback: true });
  // A frame that would not even fill the small input at the upscale cap: plan nothing.
  assert.deepEqual(planDetectorScale({ width: 92, height: 112 }, FULL), { firstSidePx: 640, fallback: false });
});

test('minFaceSizePx sizes the input so that face lands at MIN_INPUT_FACE_PX, without fallback', () => {
  // 1920 px wide, faces of 120 px: 1920 * 20 / 120 = 320.
  assert.deepEqual(planDetectorScale({ width: 1920, height: 1080 }, FULL, { minFaceSizePx: 120 }), { firstSidePx: 320, fallback: false });
  // Faces of 80 px need 480 (rounded up to 32).
  assert.deepEqual(planDetectorScale({ width: 1920, height: 1080 }, FULL, { minFaceSizePx: 80 }), { firstSidePx: 480, fallback: false });
  // Faces of 20 px need more than the full size: the full size, nothing smaller.
  assert.equal(planDetectorScale({ width: 1920, height: 1080 }, FULL, { minFaceSizePx: 20 }).firstSidePx, 640);
  // Never below the small side even for huge minimum faces.
  assert.equal(planDetectorScale({ width: 1920, height: 1080 }, FULL, { minFaceSizePx: 1000 }).firstSidePx, SMALL_INPUT_SIDE_PX);
  const side = planDetectorScale({ width: 1920, height: 1080 }, FULL, { minFaceSizePx: 80 }).firstSidePx;
  assert.ok((80 * side) / 1920 >= MIN_INPUT_FACE_PX);
});

test('tracked faces set the scale with a margin and keep the fallback', () => {
  const plan = planDetectorScale({ width: 1920, height: 1080 }, FULL, { expectedFaces: [box(200), box(100)] });
  // smallest 100 px * 0.6 = 60 px: 1920 * 20 / 60 = 640.
  assert.deepEqual(plan, { firstSidePx: 640, fallback: true });
  assert.deepEqual(planDetectorScale({ width: 1920, height: 1080 }, FULL, { expectedFaces: [box(400)] }), { firstSidePx: 320, fallback: true });
});

test('a small pass stands only with faces, all comfortably inside the trained range', () => {
  const scale = 320 / 1920;
  assert.equal(trustFirstPass([], scale), false, 'nothing found: maybe small faces, run the full size');
  assert.equal(trustFirstPass([{ box: box(CONFIDENT_INPUT_FACE_PX / scale) }], scale), true);
  assert.equal(trustFirstPass([{ box: box(400) }, { box: box(CONFIDENT_INPUT_FACE_PX / scale - 1) }], scale), false, 'one small face: smaller ones may be missed');
});
