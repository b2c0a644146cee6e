/**
 * The 68-point pose fit, solver alone (issue 24 item 1): synthetic projections of the generic 3D
 * head at known yaw/pitch/roll come back exactly; mirroring flips yaw and roll and keeps pitch;
 * an in-plane rotation adds exactly to roll. Mean absolute errors are printed for the note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHeadPose, projectHeadModel } from '../../sdk/quality/index.ts';
import type { Point } from '../../sdk/detect/types.ts';

// iBUG order of the 14 model points mirrored: brows 17<->26, 21<->22; eyes 36<->45, 39<->42;
// nostrils 31<->35; mouth 48<->54; 57 and 8 stay. As indices into the 14-point list:
const MIRROR = [3, 2, 1, 0, 7, 6, 5, 4, 9, 8, 11, 10, 12, 13];

const mirror = (pts: readonly Point[], axisX: number): Point[] => MIRROR.map((j) => ({ x: 2 * axisX - pts[j]!.x, y: pts[j]!.y }));
const rotate = (pts: readonly Point[], deg: number, c: Point): Point[] => {
  const r = (deg * Math.PI) / 180;
  return pts.map((p) => ({ x: c.x + (p.x - c.x) * Math.cos(r) - (p.y - c.y) * Math.sin(r), y: c.y + (p.x - c.x) * Math.sin(r) + (p.y - c.y) * Math.cos(r) }));
};

const GRID = { yaw: [-60, -45, -30, -15, 0, 15, 30, 45, 60], pitch: [-40, -20, 0, 20, 40], roll: [-30, 0, 30] };

test('synthetic projections at known yaw/pitch/roll come back (solver MAE < 0.01°)', () => {
  let sum = 0, n = 0;
  for (const yawDeg of GRID.yaw) for (const pitchDeg of GRID.pitch) for (const rollDeg of GRID.roll) {
    const p = fitHeadPose(projectHeadModel({ yawDeg, pitchDeg, rollDeg }, 9, { x: 320, y: 240 }));
    sum += Math.abs(p.yawDeg - yawDeg) + Math.abs(p.pitchDeg - pitchDeg) + Math.abs(p.rollDeg - rollDeg);
    n += 3;
  }
  console.log(`# synthetic projections: MAE ${(sum / n).toExponential(2)}° over ${n / 3} poses`);
  assert.ok(sum / n < 0.01, `MAE ${sum / n}`);
});

test('noisy landmarks (2% of the eye span) still give yaw/pitch within a few degrees', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2;
  let sum = 0, n = 0;
  for (const yawDeg of GRID.yaw) for (const pitchDeg of GRID.pitch) {
    const pts = projectHeadModel({ yawDeg, pitchDeg, rollDeg: 0 }, 10, { x: 200, y: 200 });
    const noisy = pts.map((q) => ({ x: q.x + rand() * 2, y: q.y + rand() * 2 })); // eye span ~106 px
    const p = fitHeadPose(noisy);
    sum += Math.abs(p.yawDeg - yawDeg) + Math.abs(p.pitchDeg - pitchDeg);
    n += 2;
  }
  console.log(`# synthetic + 2 px noise: MAE ${(sum / n).toFixed(2)}°`);
  assert.ok(sum / n < 3, `MAE ${sum / n}`);
});

test('a mirrored face has the opposite yaw and roll and the same pitch', () => {
  for (const yawDeg of [-40, -10, 25, 50]) for (const pitchDeg of [-20, 10]) {
    const pts = projectHeadModel({ yawDeg, pitchDeg, rollDeg: 12 }, 8, { x: 100, y: 100 });
    const a = fitHeadPose(pts);
    const b = fitHeadPose(mirror(pts, 100));
    assert.ok(Math.abs(a.yawDeg + b.yawDeg) < 0.01 && Math.abs(a.rollDeg + b.rollDeg) < 0.01 && Math.abs(a.pitchDeg - b.pitchDeg) < 0.01, JSON.stringify({ a, b }));
  }
});

test('an in-plane rotation adds exactly to roll and leaves yaw and pitch', () => {
  const pts = projectHeadModel({ yawDeg: 20, pitchDeg: -10, rollDeg: 0 }, 8, { x: 100, y: 100 });
  for (const deg of [-90, -45, -10, 10, 45, 90]) {
    const p = fitHeadPose(rotate(pts, deg, { x: 100, y: 100 }));
    assert.ok(Math.abs(p.rollDeg - deg) < 0.01 && Math.abs(p.yawDeg - 20) < 0.01 && Math.abs(p.pitchDeg + 10) < 0.01, `${deg}: ${JSON.stringify(p)}`);
  }
});
