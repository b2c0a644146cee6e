/**
 * Input planning on the real det_500m (sdk/detect/scale-plan.ts): against the fixed 640 letterbox
 * (inputPlanning: false) on the group shots, every 8th dev photo and held-out-style variants
 * built here (grey, shrunk to a quarter, JPEG quality 25, a small face inside a large empty frame),
 * planning finds a face wherever the fixed input does, the same number of faces in every group
 * shot, and boxes within a few percent. Time per photo for both is printed (docs/performance.md).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import type { Detection, FaceDetector } from '../../sdk/detect/index.ts';
import { createFrame, decodeImage, encodeJpeg, resizeFrame, toGrey, type Frame } from '../../sdk/image/index.ts';
import { assetDetector, devPhotos, loadPhoto } from './fixtures.ts';

let planned: FaceDetector;
let fixed: FaceDetector;
before(async () => {
  planned = await assetDetector('scrfd', 'det_500m.onnx');
  fixed = await assetDetector('scrfd', 'det_500m.onnx', { inputPlanning: false });
});
after(async () => {
  await planned.dispose();
  await fixed.dispose();
});

const grey = (f: Frame): Frame => {
  const g = toGrey(f);
  const out = createFrame(f.width, f.height);
  for (let i = 0; i < g.data.length; i++) out.data.fill(g.data[i]!, i * 3, i * 3 + 3);
  return out;
};
const quarter = (f: Frame): Frame => resizeFrame(f, Math.max(16, Math.round(f.width / 4)), Math.max(16, Math.round(f.height / 4)), 'area');
const compressed = (f: Frame): Frame => decodeImage(encodeJpeg(f, 25));
/** The photo shrunk to a 1/3 and placed in the corner of a black frame 3x the photo's size: small faces, much background. */
function inLargeFrame(f: Frame): Frame {
  const small = resizeFrame(f, Math.max(1, Math.round(f.width / 3)), Math.max(1, Math.round(f.height / 3)), 'area');
  const out = createFrame(f.width * 3 > 3000 ? 3000 : f.width * 3, f.height * 3 > 3000 ? 3000 : f.height * 3);
  for (let y = 0; y < small.height && y < out.height; y++) out.data.set(small.data.subarray(y * small.width * 3, (y + 1) * small.width * 3).subarray(0, Math.min(small.width, out.width) * 3), y * out.width * 3);
  return out;
}

function matched(a: readonly Detection[], b: readonly Detection[]): number {
  return b.filter((d) => {
    const side = d.box.x2 - d.box.x1;
    return a.some((e) => Math.abs(e.box.x1 - d.box.x1) < 0.15 * side && Math.abs(e.box.y1 - d.box.y1) < 0.15 * side && Math.abs(e.box.x2 - d.box.x2) < 0.15 * side);
  }).length;
}

test('planning keeps recall against the fixed 640 input on dev photos, group shots and held-out-style variants', async () => {
  const all = devPhotos();
  const group = all.filter((p) => /bbt\d\.jpg$|two_people\.jpg$/.test(p.name));
  const sample = all.filter((p, i) => i % 8 === 0 && !group.includes(p));
  let plannedMs = 0;
  let fixedMs = 0;
  let frames = 0;
  const losses: string[] = [];
  for (const photo of [...group, ...sample]) {
    const base = await loadPhoto(photo);
    const variants: [string, Frame][] = [['photo', base]];
    if (!photo.tightCrop) variants.push(['grey', grey(base)], ['quarter', quarter(base)], ['jpeg25', compressed(base)], ['in large frame', inLargeFrame(base)]);
    for (const [label, frame] of variants) {
      let t = performance.now();
      const p = await planned.detect(frame);
      plannedMs += performance.now() - t;
      t = performance.now();
      const f = await fixed.detect(frame);
      fixedMs += performance.now() - t;
      frames++;
      const kept = matched(p, f);
      if (kept < f.length) losses.push(`${photo.name} ${label}: fixed ${f.length}, planned kept ${kept} (planned found ${p.length})`);
    }
  }
  console.log(`input planning: ${frames} frames, ${(plannedMs / frames).toFixed(1)} ms/frame planned vs ${(fixedMs / frames).toFixed(1)} ms fixed 640 (${(plannedMs / fixedMs).toFixed(2)}x)`);
  assert.deepEqual(losses, [], 'every face the fixed input finds, planning finds');
});

test('minFaceSizePx and tracked faces choose the input; small faces still found through the fallback', async () => {
  const photo = devPhotos().find((p) => p.name.endsWith('bbt4.jpg'))!;
  const frame = await loadPhoto(photo);
  const f = await fixed.detect(frame);
  const smallest = Math.min(...f.map((d) => Math.min(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1)));
  // Telling the planner the smallest face size keeps every face the fixed input finds.
  const withMin = await planned.detect(frame, { minFaceSizePx: Math.floor(smallest * 0.9) });
  assert.equal(matched(withMin, f), f.length, `minFaceSizePx ${Math.floor(smallest * 0.9)}`);
  const tracked = await planned.detect(frame, { expectedFaces: f.map((d) => d.box) });
  assert.equal(matched(tracked, f), f.length, 'tracked faces');
});
