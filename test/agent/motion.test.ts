/**
 * Motion gating on synthetic frames (no models): a still scene is detected once and then skipped,
 * a face-sized change is detected, an open track forces detection on every frame, maxSkipMs
 * bounds the skipping, and gating off detects everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../../sdk/index.ts';
import { MotionGate, type MotionOptions } from '../../agent/pipeline/motion.ts';

const OPTIONS: MotionOptions = { enabled: true, pixelDelta: 20, minChangedFraction: 0.002, maxSkipMs: 2000 };

/** A 640x480 BGR frame of grey `level`, with noise of +-`noise` and an optional bright square. */
function frame(level: number, square?: { x: number; y: number; size: number }, noise = 0, seed = 1): Frame {
  const width = 640;
  const height = 480;
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = Math.max(0, Math.min(255, level + (noise ? ((s >>> 16) % (2 * noise + 1)) - noise : 0)));
  }
  if (square) {
    for (let y = square.y; y < square.y + square.size; y++) for (let x = square.x; x < square.x + square.size; x++) data.fill(220, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return { data, width, height };
}

test('a still (noisy) scene is detected once, then skipped; a 32 px face appearing is detected', () => {
  const gate = new MotionGate(OPTIONS);
  assert.equal(gate.shouldDetect(frame(40, undefined, 8, 1), false, 0), true, 'the first frame has no reference');
  for (let i = 1; i < 10; i++) assert.equal(gate.shouldDetect(frame(40, undefined, 8, i + 1), false, i * 100), false, `sensor noise (frame ${i}) is no motion`);
  assert.equal(gate.shouldDetect(frame(40, { x: 300, y: 200, size: 32 }, 8, 99), false, 1000), true, 'a 32 px face is motion');
  assert.deepEqual({ detected: gate.detected, skipped: gate.skipped }, { detected: 2, skipped: 9 });
});

test('an open track is detected every frame; maxSkipMs bounds the skipping; disabled detects all', () => {
  const gate = new MotionGate(OPTIONS);
  gate.shouldDetect(frame(0), false, 0);
  assert.equal(gate.shouldDetect(frame(0), true, 100), true, 'tracking: always detect');
  assert.equal(gate.shouldDetect(frame(0), false, 200), false);
  assert.equal(gate.shouldDetect(frame(0), false, 2100), true, 'maxSkipMs after the last detection');
  const off = new MotionGate({ ...OPTIONS, enabled: false });
  for (let i = 0; i < 5; i++) assert.equal(off.shouldDetect(frame(0), false, i * 100), true);
});
