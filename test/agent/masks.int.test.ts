/**
 * Masks and minFacePx per camera (pipeline/filters.ts) on a real photo with the real detector:
 * a face inside a mask is not detected (the grey fill alone hides it from the detector), the
 * face outside still is; faces narrower than minFacePx are dropped. And the face-library
 * "Not a face" screen: events of a track that matches an ignored group are never published.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fillPolygons, insidePolygon, meanGrey, type Detection, type Frame, type MaskPolygon, type RecognitionEvent } from '../../sdk/index.ts';
import { cameraFilter, detectFiltered, loadIgnoredFaces, loadWorkerFilters, maskedFrame, setCameraFilters, takeIgnoredCounts, withoutIgnored } from '../../agent/pipeline/filters.ts';
import { writeCameraSettings } from '../../agent/config/camera-settings.ts';
import { assetDetector, loadFace } from '../detect/fixtures.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let detector: Awaited<ReturnType<typeof assetDetector>>;
let frame: Frame;
let faces: Detection[];
before(async () => {
  detector = await assetDetector('scrfd', 'det_500m.onnx');
  frame = await loadFace('face_recognition', 'examples', 'two_people.jpg');
  faces = (await detector.detect(frame)).sort((a, b) => a.box.x1 - b.box.x1);
});
after(() => detector?.dispose());

const centre = (d: Detection) => [(d.box.x1 + d.box.x2) / 2 / frame.width, (d.box.y1 + d.box.y2) / 2 / frame.height] as const;
const iou = (a: Detection['box'], b: Detection['box']) => {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const area = (r: typeof a) => (r.x2 - r.x1) * (r.y2 - r.y1);
  return (w * h) / (area(a) + area(b) - w * h);
};

/** An octagon around the face, large enough to hold its whole box, in frame fractions. */
function octagonAround(d: Detection): MaskPolygon {
  const [cx, cy] = [(d.box.x1 + d.box.x2) / 2, (d.box.y1 + d.box.y2) / 2];
  const r = Math.hypot(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1) * 0.7;
  return Array.from({ length: 8 }, (_, i) => {
    const a = (i * Math.PI) / 4 + Math.PI / 8;
    return [Math.min(1, Math.max(0, (cx + r * Math.cos(a)) / frame.width)), Math.min(1, Math.max(0, (cy + r * Math.sin(a)) / frame.height))] as const;
  });
}

test('a face inside a mask is not detected; the face outside still is', async () => {
  assert.equal(faces.length, 2, 'two_people.jpg has two faces');
  const [left, right] = faces as [Detection, Detection];
  const mask = octagonAround(left);
  assert.ok(!insidePolygon(...centre(right), mask), 'the mask does not reach the other face');
  setCameraFilters([{ id: 'door', masks: [{ name: 'left person', points: mask }], minFacePx: 0 }]);

  const kept = await detectFiltered(detector, 'door', frame);
  assert.equal(kept.length, 1);
  assert.ok(iou(kept[0]!.box, right.box) > 0.8, 'the face outside the mask is the one kept');

  // The fill alone hides the face from the detector (not only the centre test afterwards).
  const masked = maskedFrame(frame, cameraFilter('door'));
  const raw = await detector.detect(masked);
  assert.ok(!raw.some((d) => iou(d.box, left.box) > 0.1), `no detection where the masked face was (${raw.length} faces)`);
  assert.ok(raw.some((d) => iou(d.box, right.box) > 0.8));
  const [x, y] = [Math.round((left.box.x1 + left.box.x2) / 2), Math.round((left.box.y1 + left.box.y2) / 2)];
  const px = masked.data.subarray((y * frame.width + x) * 3, (y * frame.width + x) * 3 + 3);
  assert.deepEqual([...px], [meanGrey(frame), meanGrey(frame), meanGrey(frame)], 'masked pixels are the frame\'s mean grey');
  assert.notDeepEqual([...frame.data.subarray((y * frame.width + x) * 3, (y * frame.width + x) * 3 + 3)], [...px], 'the original frame is untouched');

  // A camera without settings is not filtered; another camera's masks do not apply to it.
  assert.equal((await detectFiltered(detector, 'garden', frame)).length, 2);
});

test('fillPolygons fills exactly the pixels whose centres are inside (even-odd, any shape)', () => {
  const tiny: Frame = { data: new Uint8Array(10 * 10 * 3).fill(200), width: 10, height: 10 };
  const filled = fillPolygons(tiny, [[[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6]]], 0);
  let zeros = 0;
  for (let i = 0; i < filled.data.length; i += 3) if (filled.data[i] === 0) zeros += 1;
  assert.equal(zeros, 16, 'a 4x4 pixel square');
  assert.equal(filled.data[(3 * 10 + 3) * 3], 0);
  assert.equal(filled.data[(6 * 10 + 6) * 3], 200);
  assert.equal(tiny.data[(3 * 10 + 3) * 3], 200, 'input not changed');
});

test('minFacePx drops faces narrower than it, before tracking', async () => {
  const widths = faces.map((d) => d.box.x2 - d.box.x1).sort((a, b) => a - b) as [number, number];
  setCameraFilters([{ id: 'door', masks: [], minFacePx: Math.floor(widths[0]) - 1 }]);
  assert.equal((await detectFiltered(detector, 'door', frame)).length, 2);
  setCameraFilters([{ id: 'door', masks: [], minFacePx: Math.ceil(widths[1]) + 1 }]);
  assert.equal((await detectFiltered(detector, 'door', frame)).length, 0);
  if (widths[1] - widths[0] > 4) {
    setCameraFilters([{ id: 'door', masks: [], minFacePx: Math.round((widths[0] + widths[1]) / 2) }]);
    const kept = await detectFiltered(detector, 'door', frame);
    assert.equal(kept.length, 1);
    assert.ok(kept[0]!.box.x2 - kept[0]!.box.x1 >= (widths[0] + widths[1]) / 2 - 1);
  }
});

test('"Not a face": an unknown track matching an ignored group publishes nothing, and is counted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-ignored-'));
  try {
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return Float32Array.from(v.map((x) => x / n));
    };
    const painting = unit([1, 0.1, 0, 0]);
    const file = join(dir, 'face-library-ignored.json');
    writeFileSync(file, JSON.stringify({ version: 1, groups: [{ centroid: [...painting], faces: 3, at: new Date().toISOString() }] }));
    assert.equal(loadIgnoredFaces(file), 1);
    const ev = (track: number, type: RecognitionEvent['type'] = 'unknown'): RecognitionEvent => ({
      id: `e${track}${type}`, type, device: 'd', camera: 'hall', track, identity: null, score: 0.1, ts: new Date().toISOString(), box: { x1: 0, y1: 0, x2: 1, y2: 1 },
    });
    takeIgnoredCounts();
    // Same painting again (cosine ~0.99 >= 0.4): its decision is dropped, and so is its track end.
    assert.deepEqual(withoutIgnored('hall', [ev(1)], { trackId: 1, embedding: unit([1, 0.12, 0.02, 0]), known: false, threshold: 0.4 }), []);
    assert.deepEqual(withoutIgnored('hall', [ev(1, 'track_end')]), []);
    // A stranger (cosine ~0.1) still produces events; so does an enrolled person who looks like it.
    assert.equal(withoutIgnored('hall', [ev(2)], { trackId: 2, embedding: unit([0.1, 1, 0, 0]), known: false, threshold: 0.4 }).length, 1);
    assert.equal(withoutIgnored('hall', [ev(3, 'recognized')], { trackId: 3, embedding: painting, known: true, threshold: 0.4 }).length, 1);
    assert.deepEqual(takeIgnoredCounts(), { hall: 1 });
    assert.deepEqual(takeIgnoredCounts(), {}, 'counts are reported once');
    assert.equal(loadIgnoredFaces(join(dir, 'missing.json')), 0, 'no file: nothing is ignored');
    assert.equal(withoutIgnored('hall', [ev(4)], { trackId: 4, embedding: painting, known: false, threshold: 0.4 }).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a (re)started worker takes the settings saved from the web UI over its init, and the ignored faces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-worker-filters-'));
  try {
    writeCameraSettings(dir, 'door', { masks: [{ name: 'tv', points: [[0, 0], [0.5, 0], [0.5, 0.5]] }], minFacePx: 40 });
    writeFileSync(join(dir, 'face-library-ignored.json'), JSON.stringify({ version: 1, groups: [{ centroid: [1, 0], faces: 2, at: new Date().toISOString() }] }));
    loadWorkerFilters([{ id: 'door', masks: [], minFacePx: 0 }, { id: 'yard', minFacePx: 12 }], dir);
    assert.equal(cameraFilter('door')?.minFacePx, 40);
    assert.equal(cameraFilter('door')?.masks[0]?.name, 'tv');
    assert.equal(cameraFilter('yard')?.minFacePx, 12, 'a camera the UI never saved keeps its config values');
    takeIgnoredCounts();
    const ev: RecognitionEvent = { id: 'x', type: 'unknown', device: 'd', camera: 'yard', track: 9, identity: null, score: 0, ts: new Date().toISOString(), box: { x1: 0, y1: 0, x2: 1, y2: 1 } };
    assert.deepEqual(withoutIgnored('yard', [ev], { trackId: 9, embedding: Float32Array.from([1, 0]), known: false, threshold: 0.4 }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
