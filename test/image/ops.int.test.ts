/** Pixel operations (encode, resize, crop, grey, Laplacian, drawing) against plain references. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createFrame, cropFrame, decodeImage, drawAnnotations, encodeJpeg, encodePng, laplacianVariance, readImage, resizeFrame, toGrey, type Frame,
} from '../../sdk/image/index.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { assetFace } from '../helpers/assets.ts';

const photo = await readImage(assetFace('debian', 'messi5.jpg'));

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test('encodeJpeg makes a JPEG that decodes back close to the frame; encodePng is lossless', () => {
  const jpeg = encodeJpeg(photo, 95);
  assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const back = decodeImage(jpeg);
  assert.deepEqual([back.width, back.height], [photo.width, photo.height]);
  assert.ok(meanAbsDiff(back.data, photo.data) < 3, 'q95 round trip within 3 grey levels on average');
  assert.ok(encodeJpeg(photo, 30).length < jpeg.length, 'lower quality is smaller');
  assert.deepEqual([...decodeImage(encodePng(photo)).data], [...photo.data]);
  assert.throws(() => encodeJpeg(photo, 0), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});

test('resizeFrame: sizes, and a 2x linear downscale averages 2x2 blocks', () => {
  const half = resizeFrame(photo, 274, 171);
  assert.deepEqual([half.width, half.height, half.data.length], [274, 171, 274 * 171 * 3]);
  // Exact halving with INTER_LINEAR samples at (2x+0.5): the mean of each 2x2 block.
  let worst = 0;
  for (let y = 0; y < 171; y++) for (let x = 0; x < 274; x++) for (let c = 0; c < 3; c++) {
    const at = (yy: number, xx: number) => photo.data[(yy * photo.width + xx) * 3 + c]!;
    const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
    worst = Math.max(worst, Math.abs(half.data[(y * 274 + x) * 3 + c]! - mean));
  }
  assert.ok(worst <= 1, `2x2 block mean off by ${worst}`);
  for (const interpolation of ['nearest', 'area', 'cubic'] as const) assert.equal(resizeFrame(photo, 100, 80, interpolation).data.length, 100 * 80 * 3);
  assert.throws(() => resizeFrame(photo, 0, 10), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});

test('cropFrame copies the inside and pads the outside with zeros', () => {
  const crop = cropFrame(photo, { x: -10, y: 330, width: 30, height: 20 });
  assert.deepEqual([crop.width, crop.height], [30, 20]);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 30; x++) {
    const sx = x - 10, sy = y + 330;
    const inside = sx >= 0 && sy < photo.height;
    for (let c = 0; c < 3; c++) {
      const expected = inside ? photo.data[(sy * photo.width + sx) * 3 + c]! : 0;
      assert.equal(crop.data[(y * 30 + x) * 3 + c], expected, `(${x},${y})`);
    }
  }
  assert.ok(cropFrame(photo, { x: 1000, y: 0, width: 4, height: 4 }).data.every((v) => v === 0), 'fully outside is black');
  assert.throws(() => cropFrame(photo, { x: 0.5, y: 0, width: 4, height: 4 }), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});

test('toGrey uses the BT.601 luma weights', () => {
  const grey = toGrey(photo);
  assert.deepEqual([grey.width, grey.height, grey.data.length], [photo.width, photo.height, photo.width * photo.height]);
  let worst = 0;
  for (let i = 0; i < grey.data.length; i++) {
    const luma = 0.114 * photo.data[i * 3]! + 0.587 * photo.data[i * 3 + 1]! + 0.299 * photo.data[i * 3 + 2]!;
    worst = Math.max(worst, Math.abs(grey.data[i]! - luma));
  }
  assert.ok(worst <= 1, `luma off by ${worst}`);
});

test('laplacianVariance matches a direct 4-neighbour Laplacian with reflected borders, and drops with blur', () => {
  const grey = toGrey(photo);
  const { width: w, height: h, data } = grey;
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i); // BORDER_REFLECT_101
  const px = (x: number, y: number) => data[reflect(y, h) * w + reflect(x, w)]!;
  let sum = 0, sumSq = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = px(x - 1, y) + px(x + 1, y) + px(x, y - 1) + px(x, y + 1) - 4 * px(x, y);
    sum += v, sumSq += v * v;
  }
  const n = w * h;
  const reference = sumSq / n - (sum / n) ** 2;
  const measured = laplacianVariance(grey);
  assert.ok(Math.abs(measured - reference) / reference < 1e-9, `${measured} vs ${reference}`);
  const blurred = toGrey(resizeFrame(resizeFrame(photo, 137, 85, 'area'), photo.width, photo.height));
  assert.ok(laplacianVariance(blurred) < measured / 4, 'a 4x down-and-up blur lowers the score a lot');
});

test('drawAnnotations draws on a copy: boxes, points and labels change pixels, the input stays intact', () => {
  const before = Uint8Array.from(photo.data);
  const drawn = drawAnnotations(photo, [
    { box: { x1: 100, y1: 60, x2: 300, y2: 250 }, points: [{ x: 150, y: 120 }], label: 'face 0.99', color: [0, 0, 255] },
  ]);
  assert.deepEqual([...photo.data], [...before], 'input untouched');
  const at = (f: Frame, x: number, y: number) => [...f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3)];
  // Lines are anti-aliased, so "red" means mostly red rather than exactly (0, 0, 255).
  const isRed = ([b, g, r]: number[]) => r! > 200 && b! < 60 && g! < 60;
  assert.ok(isRed(at(drawn, 200, 60)), `top edge of the box is red (BGR): ${at(drawn, 200, 60)}`);
  assert.ok(isRed(at(drawn, 150, 120)), `landmark dot: ${at(drawn, 150, 120)}`);
  assert.deepEqual(at(drawn, 200, 150), at(photo, 200, 150), 'inside the box untouched');
  const labelRows = drawn.data.subarray(40 * photo.width * 3, 58 * photo.width * 3);
  assert.ok(meanAbsDiff(labelRows, photo.data.subarray(40 * photo.width * 3, 58 * photo.width * 3)) > 0.1, 'label text drawn above the box');
  assert.throws(() => drawAnnotations({ data: new Uint8Array(5), width: 2, height: 2 }, []), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
  assert.equal(drawAnnotations(createFrame(4, 4), []).data.length, 48);
});
