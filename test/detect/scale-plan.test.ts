/**
 * Input planning arithmetic (sdk/detect/scale-plan.ts): which first-pass input a frame gets from
 * the caller's minimum face, the faces tracked in the last frame, or nothing; and when a small
 * pass's result may stand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIDENT_INPUT_FACE_PX, MIN_INPUT_FACE_PX, planDetectorScale, SMALL_INPUT_SIDE_PX, TRACKED_FACE_MARGIN, trustFirstPass } from '../../sdk/detect/scale-plan.ts';

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
  // smallest 100 px * 0.8 = 80 px to land at 48: 1920 * 48 / 80 = 1152, more than the full size.
  assert.deepEqual(plan, { firstSidePx: 640, fallback: true });
  assert.deepEqual(planDetectorScale({ width: 1920, height: 1080 }, FULL, { expectedFaces: [box(400)] }), { firstSidePx: 320, fallback: true });
  // 1920 * 48 / (220 * 0.8) = 523.6 -> 544: between the small and the full side.
  assert.deepEqual(planDetectorScale({ width: 1920, height: 1080 }, FULL, { expectedFaces: [box(220)] }), { firstSidePx: 544, fallback: true });
});

test('a tracked face found again where it was stands on the planned pass: no second, full-size pass', () => {
  // Every face size for which the plan is smaller than the full input, in a 1080p and a 720p frame:
  // the same face (and one TRACKED_FACE_MARGIN smaller) passes the trust check at the planned scale.
  for (const frame of [{ width: 1920, height: 1080 }, { width: 1280, height: 720 }]) {
    let planned = 0;
    for (let side = 24; side <= 700; side += 4) {
      const plan = planDetectorScale(frame, FULL, { expectedFaces: [box(side)] });
      if (plan.firstSidePx >= 640) continue;
      planned++;
      const scale = plan.firstSidePx / Math.max(frame.width, frame.height);
      assert.ok(trustFirstPass([{ box: box(side) }], scale), `${frame.width}: tracked ${side} px at input ${plan.firstSidePx}`);
      assert.ok(trustFirstPass([{ box: box(side * TRACKED_FACE_MARGIN) }], scale), `${frame.width}: ${side} px moved away at input ${plan.firstSidePx}`);
      // A newcomer at MIN/CONFIDENT of the tracked face still lands in the detector's range, and
      // where it lands under the trust size it brings the full pass (the frame may hold smaller ones).
      const newcomer = (side * MIN_INPUT_FACE_PX) / CONFIDENT_INPUT_FACE_PX;
      assert.ok(newcomer * scale >= MIN_INPUT_FACE_PX - 1e-9, `${frame.width}: newcomer ${newcomer} px at input ${plan.firstSidePx}`);
      if (newcomer * scale < CONFIDENT_INPUT_FACE_PX) assert.equal(trustFirstPass([{ box: box(side) }, { box: box(newcomer) }], scale), false);
    }
    assert.ok(planned > 20, `${frame.width}: ${planned} face sizes planned below the full input`);
  }
});

test('a small pass stands only with faces, all comfortably inside the trained range', () => {
  const scale = 320 / 1920;
  assert.equal(trustFirstPass([], scale), false, 'nothing found: maybe small faces, run the full size');
  assert.equal(trustFirstPass([{ box: box(CONFIDENT_INPUT_FACE_PX / scale) }], scale), true);
  assert.equal(trustFirstPass([{ box: box(400) }, { box: box(CONFIDENT_INPUT_FACE_PX / scale - 1) }], scale), false, 'one small face: smaller ones may be missed');
});
