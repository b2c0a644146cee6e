import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchDims, inputGeometry, writeInputSample } from '../../sdk/embed/index.ts';
import { createFrame } from '../../sdk/image/frame.ts';
import type { InputSpec } from '../../sdk/models/manifest.ts';

const spec = (over: Partial<InputSpec> = {}): InputSpec => ({
  name: 'input',
  shape: ['batch', 3, 2, 3],
  layout: 'nchw',
  colorOrder: 'rgb',
  mean: [127.5],
  std: [128],
  resize: 'none',
  ...over,
});

// 3x2 frame: pixel (x, y) has B = 10x + y, G = 100 + ..., R = 200 + ...
function testFrame() {
  const f = createFrame(3, 2);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) {
    const p = (y * 3 + x) * 3;
    f.data[p] = 10 * x + y;
    f.data[p + 1] = 100 + 10 * x + y;
    f.data[p + 2] = 200 + 10 * x + y;
  }
  return f;
}

test('inputGeometry reads NCHW shapes and falls back to size for dynamic axes', () => {
  assert.deepEqual(inputGeometry(spec()), { channels: 3, height: 2, width: 3 });
  assert.deepEqual(inputGeometry(spec({ shape: [1, 3, 'h', 'w'], size: { width: 64, height: 48 } })), { channels: 3, height: 48, width: 64 });
  assert.deepEqual(batchDims(spec(), 5), [5, 3, 2, 3]);
});

test('RGB NCHW: planes are R, G, B with (x - mean) / std', () => {
  const out = new Float32Array(2 * 18);
  writeInputSample(testFrame(), spec(), out, 1);
  const at = (c: number, y: number, x: number) => out[18 + c * 6 + y * 3 + x]!;
  assert.equal(at(0, 1, 2), (200 + 21 - 127.5) / 128); // R of pixel (2,1)
  assert.equal(at(2, 0, 1), (10 - 127.5) / 128); // B of pixel (1,0)
  assert.ok(out.slice(0, 18).every((v) => v === 0), 'sample 0 untouched');
});

test('BGR keeps frame order; flip mirrors columns; per-channel mean/std apply in colour order', () => {
  const out = new Float32Array(18);
  writeInputSample(testFrame(), spec({ colorOrder: 'bgr', mean: [1, 2, 3], std: [1, 1, 2] }), out, 0, true);
  const at = (c: number, y: number, x: number) => out[c * 6 + y * 3 + x]!;
  assert.equal(at(0, 0, 0), 20 - 1); // B of mirrored pixel (2,0)
  assert.equal(at(2, 1, 2), (200 + 1 - 3) / 2); // R of mirrored pixel (0,1)
});

test('a crop of the wrong size is rejected', () => {
  assert.throws(() => writeInputSample(createFrame(4, 4), spec(), new Float32Array(18), 0), /needs 3x2/);
});
