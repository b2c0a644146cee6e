import { test } from 'node:test';
import assert from 'node:assert/strict';
import { livenessCropRect } from '../../sdk/liveness/crop-rect.ts';

const inside = (r: { x: number; y: number; width: number; height: number }, w: number, h: number) =>
  r.x >= 0 && r.y >= 0 && r.x + r.width <= w && r.y + r.height <= h;

test('a centred face gets a square of side max(w,h)*scale around its centre', () => {
  const r = livenessCropRect({ x1: 450, y1: 400, x2: 550, y2: 520 }, 1000, 1000, 2);
  assert.deepEqual(r, { x: 380, y: 340, width: 240, height: 240 });
});

test('near an edge the square shifts inside instead of padding', () => {
  const r = livenessCropRect({ x1: 0, y1: 10, x2: 80, y2: 110 }, 640, 480, 2.7);
  assert.equal(r.width, 270);
  assert.ok(inside(r, 640, 480), JSON.stringify(r));
  assert.equal(r.x, 0);
});

test('a face larger than the frame allows shrinks the square to the shorter side', () => {
  const r = livenessCropRect({ x1: 100, y1: 50, x2: 300, y2: 290 }, 400, 300, 2.7);
  assert.equal(r.width, 300);
  assert.ok(inside(r, 400, 300), JSON.stringify(r));
});
