import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatePose } from '../../sdk/quality/index.ts';
import type { FivePoints } from '../../sdk/detect/types.ts';

// A generic adult face (x right, y down, z towards the camera, millimetres; pupils 63 apart, mouth
// corners 67 below them, nose tip 0.62 of the way down and 27 in front): eyes, nose, mouth corners.
const FACE_3D = [
  [-31.5, 0, 0], [31.5, 0, 0], [0, 41.5, 27], [-25, 67, 2], [25, 67, 2],
] as const;

function project(yawDeg: number, pitchDeg: number): FivePoints {
  const a = (yawDeg * Math.PI) / 180;
  const b = (pitchDeg * Math.PI) / 180;
  return FACE_3D.map(([x, y, z]) => {
    // yaw about the vertical axis: +yaw moves the nose (z > 0) towards +x
    const x1 = x * Math.cos(a) + z * Math.sin(a);
    const z1 = -x * Math.sin(a) + z * Math.cos(a);
    // pitch about the horizontal axis: +pitch moves the nose (z > 0) towards +y (down)
    const y2 = y * Math.cos(b) + z1 * Math.sin(b);
    return { x: 100 + x1, y: 100 + y2 };
  }) as unknown as FivePoints;
}

const FRONTAL = project(0, 0);

test('a frontal face is frontal', () => {
  const p = estimatePose(FRONTAL);
  assert.ok(Math.abs(p.yawDeg) < 1 && Math.abs(p.pitchDeg) < 1 && Math.abs(p.rollDeg) < 1, JSON.stringify(p));
});

test('roll is the eye-line angle and does not leak into yaw/pitch', () => {
  const r = (25 * Math.PI) / 180;
  const rotated = FRONTAL.map(({ x, y }) => ({ x: x * Math.cos(r) - y * Math.sin(r), y: x * Math.sin(r) + y * Math.cos(r) })) as unknown as FivePoints;
  const p = estimatePose(rotated);
  assert.ok(Math.abs(p.rollDeg - 25) < 0.5, `roll ${p.rollDeg}`);
  assert.ok(Math.abs(p.yawDeg) < 1 && Math.abs(p.pitchDeg) < 1, JSON.stringify(p));
});

test('yaw and pitch of projected generic faces come back within 8 degrees, with the right sign', () => {
  for (const yaw of [-40, -20, 0, 20, 40]) {
    for (const pitch of [-25, 0, 25]) {
      const p = estimatePose(project(yaw, pitch));
      assert.ok(Math.abs(p.yawDeg - yaw) < 8, `yaw ${yaw}/${pitch}: got ${p.yawDeg.toFixed(1)}`);
      assert.ok(Math.abs(p.pitchDeg - pitch) < 8, `pitch ${yaw}/${pitch}: got ${p.pitchDeg.toFixed(1)}`);
    }
  }
});

test('degenerate points (mouth above the eyes) report the extreme pitch a gate rejects, not NaN and not frontal', () => {
  const flipped = FRONTAL.map(({ x, y }) => ({ x, y: 200 - y })) as unknown as FivePoints;
  const p = estimatePose(flipped);
  assert.equal(p.pitchDeg, 90, JSON.stringify(p));
  assert.equal(p.yawDeg, 0, JSON.stringify(p));
});
