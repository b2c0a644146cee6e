/**
 * JPEG decoded at 1/2, 1/4 or 1/8 (libjpeg DCT scaling through OpenCV's IMREAD_REDUCED_*):
 * the largest reduction that keeps the longer side at reduceToLongSidePx is taken, the picture
 * is the same (block means against a full decode shrunk by area), every EXIF orientation still
 * comes out upright (OpenCV's own auto-rotation is off, or it would turn twice), and other
 * formats and small JPEGs stay full size. Then analyze(): a large photo with a large face runs on
 * the reduced frame and gives the same face; a group photo whose faces are too small for crops
 * from the reduced frame falls back to the full decode and gives exactly the unreduced result.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { compare, createFaceAnalyzer, type FaceAnalyzer } from '../../sdk/index.ts';
import { decodeImage, decodeImageScaled, encodeJpeg, encodePng, resizeFrame, type Frame } from '../../sdk/image/index.ts';
import { SCRFD_FR512 } from '../analyzer/model-sets.ts';
import { assetFace } from '../helpers/assets.ts';
import { withExifOrientation } from './fixtures.ts';
import { maxGridDifference, rgbGrid } from './grid.ts';

/** A real photo enlarged `times` and re-encoded: a large JPEG from the assets. */
function enlargedJpeg(path: string, times: number): Uint8Array {
  const frame = decodeImage(readFileSync(path));
  return encodeJpeg(resizeFrame(frame, frame.width * times, frame.height * times, 'cubic'), 92);
}

const portrait = enlargedJpeg(assetFace('face_recognition', 'examples', 'knn_examples', 'train', 'obama', 'obama.jpg'), 3); // 2730x3411
const group = enlargedJpeg(assetFace('faceapi_bbt', 'bbt1.jpg'), 2); // 2732x1536

const shrink = (frame: Frame, width: number, height: number): Frame => resizeFrame(frame, width, height, 'area');

test('the largest reduction that keeps the longer side, with the same picture', () => {
  const full = decodeImage(portrait);
  assert.deepEqual([full.width, full.height], [2730, 3411]);
  for (const [minSide, factor] of [[400, 8], [640, 4], [1000, 2], [2000, 1], [0, 1]] as const) {
    const { frame, scaleX, scaleY } = decodeImageScaled(portrait, 'portrait', { reduceToLongSidePx: minSide });
    assert.deepEqual([frame.width, frame.height], [Math.ceil(2730 / factor), Math.ceil(3411 / factor)], `min ${minSide}: 1/${factor}`);
    // libjpeg rounds the reduced size up, so the scale back is stored / decoded pixels, not exactly the factor.
    assert.deepEqual([scaleX, scaleY], [2730 / frame.width, 3411 / frame.height], `min ${minSide}: scale`);
    if (factor > 1) {
      const worst = maxGridDifference(rgbGrid(frame), rgbGrid(shrink(full, frame.width, frame.height)));
      assert.ok(worst < 3, `1/${factor}: block means differ by ${worst.toFixed(2)} from a full decode shrunk by area`);
    }
  }
});

test('every EXIF orientation is applied once on a reduced decode', () => {
  const upright = decodeImage(portrait);
  for (let orientation = 1; orientation <= 8; orientation++) {
    const bytes = withExifOrientation(portrait, orientation);
    const fullOriented = decodeImage(bytes);
    const { frame, scaleX, scaleY } = decodeImageScaled(bytes, `exif-${orientation}`, { reduceToLongSidePx: 640 });
    const swapped = orientation >= 5;
    assert.deepEqual([frame.width, frame.height], swapped ? [Math.ceil(3411 / 4), Math.ceil(2730 / 4)] : [Math.ceil(2730 / 4), Math.ceil(3411 / 4)], `orientation ${orientation}: size`);
    assert.deepEqual([scaleX, scaleY], [fullOriented.width / frame.width, fullOriented.height / frame.height], `orientation ${orientation}: scale`);
    const worst = maxGridDifference(rgbGrid(frame), rgbGrid(shrink(fullOriented, frame.width, frame.height)));
    assert.ok(worst < 3, `orientation ${orientation}: differs from the full oriented decode by ${worst.toFixed(2)}`);
    if (orientation === 1) assert.equal(fullOriented.width, upright.width);
  }
});

test('PNG and JPEGs too small to reduce decode at full size', () => {
  const png = encodePng(decodeImage(group));
  const fromPng = decodeImageScaled(png, 'group.png', { reduceToLongSidePx: 640 });
  assert.deepEqual([fromPng.frame.width, fromPng.scaleX], [2732, 1]);
  const small = readFileSync(assetFace('debian', 'messi5.jpg')); // 548x342
  const fromSmall = decodeImageScaled(small, 'messi5.jpg', { reduceToLongSidePx: 640 });
  assert.deepEqual([fromSmall.frame.width, fromSmall.scaleX, fromSmall.scaleY], [548, 1, 1]);
});

let reduced: FaceAnalyzer;
let whole: FaceAnalyzer;
before(async () => {
  reduced = await createFaceAnalyzer({ models: SCRFD_FR512(), backend: { threads: 2 } });
  whole = await createFaceAnalyzer({ models: SCRFD_FR512(), backend: { threads: 2 }, decodeReduced: false });
});
after(async () => {
  await reduced.dispose();
  await whole.dispose();
});

test('analyze(): a large face is found and embedded from the reduced frame, in the caller\'s pixels', async () => {
  const [a, b] = [await reduced.analyze(portrait), await whole.analyze(portrait)];
  assert.equal(a.length, b.length);
  assert.ok(a.length >= 1);
  const side = b[0]!.box.x2 - b[0]!.box.x1;
  for (const k of ['x1', 'y1', 'x2', 'y2'] as const) assert.ok(Math.abs(a[0]!.box[k] - b[0]!.box[k]) < 0.03 * side, `box ${k}: ${a[0]!.box[k]} vs ${b[0]!.box[k]}`);
  const similarity = compare(a[0]!.embedding, b[0]!.embedding);
  assert.ok(similarity > 0.95, `same face embedding from the reduced frame: cosine ${similarity.toFixed(4)}`);
});

test('analyze(): faces too small for crops from the reduced frame fall back to the full decode', async () => {
  const [a, b] = [await reduced.analyze(group), await whole.analyze(group)];
  assert.ok(b.length >= 4, `group photo: ${b.length} faces`);
  assert.equal(a.length, b.length);
  // Detection ran on the reduced frame (scores may order near-ties differently): pair by overlap.
  b.forEach((face, i) => {
    const side = face.box.x2 - face.box.x1;
    const twin = a.find((f) => Math.abs(f.box.x1 - face.box.x1) < 0.1 * side && Math.abs(f.box.y1 - face.box.y1) < 0.1 * side);
    assert.ok(twin, `face ${i} found in both`);
    assert.ok(side < 2 * 112 * 4, `face ${i} is small enough to force the fallback`);
    assert.ok(compare(twin.embedding, face.embedding) > 0.9, `face ${i}: crop from the full frame (cosine ${compare(twin.embedding, face.embedding).toFixed(3)})`);
  });
});
