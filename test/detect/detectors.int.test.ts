/**
 * Acceptance: the real detectors on every dev photo. One pass over the photos runs every
 * detector (decoding the big JPEGs once), then each test asserts on what it saw.
 * Detection rates and ms per image are printed for the record (docs/detect.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import type { Detection, FaceDetector } from '../../sdk/detect/index.ts';
import { assetDetector, defaultSetDetector, devPhotos, loadPhoto, type DevPhoto } from './fixtures.ts';

interface Run {
  readonly detector: FaceDetector;
  readonly found: Map<string, Detection[]>;
  ms: number;
}

const DETECTORS = {
  det_500m: () => assetDetector('scrfd', 'det_500m.onnx'),
  det_500m_320: () => assetDetector('scrfd', 'det_500m.onnx', { inputSize: { width: 320, height: 320 } }),
  det_2_5g: () => assetDetector('scrfd', 'det_2.5g.onnx'),
  default_set: () => defaultSetDetector(),
  yunet_640: () => assetDetector('yunet', 'yunet_2023mar_640.onnx'),
  yunet_dynamic: () => assetDetector('yunet', 'yunet_s_dynamic.onnx', { inputSize: { width: 640, height: 640 } }),
} as const;
type Name = keyof typeof DETECTORS;

/**
 * Faces counted by eye in the group shots. bbt2: Leonard, Sheldon and the man cut by the left
 * edge; the two background people at the back face away from the camera and do not count.
 */
const GROUP_SHOTS: Readonly<Record<string, number>> = {
  'faceapi_bbt/bbt1.jpg': 4,
  'faceapi_bbt/bbt2.jpg': 3,
  'faceapi_bbt/bbt3.jpg': 5,
  'faceapi_bbt/bbt4.jpg': 6,
  'faceapi_bbt/bbt5.jpg': 5,
  'face_recognition/examples/two_people.jpg': 2,
};

const photos: DevPhoto[] = devPhotos();
const runs = new Map<Name, Run>();
const sizes = new Map<string, { width: number; height: number }>();

const rate = (name: Name): { hit: number; total: number; missed: string[] } => {
  const found = runs.get(name)!.found;
  const missed = photos.filter((p) => (found.get(p.name)?.length ?? 0) === 0).map((p) => p.name);
  return { hit: photos.length - missed.length, total: photos.length, missed };
};

before(async () => {
  for (const [name, make] of Object.entries(DETECTORS) as [Name, () => Promise<FaceDetector>][]) {
    runs.set(name, { detector: await make(), found: new Map(), ms: 0 });
  }
  for (const photo of photos) {
    const frame = await loadPhoto(photo);
    sizes.set(photo.name, { width: frame.width, height: frame.height });
    for (const run of runs.values()) {
      const t0 = performance.now();
      run.found.set(photo.name, await run.detector.detect(frame));
      run.ms += performance.now() - t0;
    }
  }
  for (const [name, run] of runs) {
    const r = rate(name);
    console.log(
      `# ${name.padEnd(14)} face found in ${r.hit}/${r.total} dev photos (${((100 * r.hit) / r.total).toFixed(1)}%), ` +
        `${(run.ms / photos.length).toFixed(1)} ms/image` +
        (r.missed.length ? `; missed: ${r.missed.join(', ')}` : ''),
    );
  }
});

after(async () => {
  for (const run of runs.values()) await run.detector.dispose();
});

describe('detectors on the dev photos', () => {
  it('has the dev photos', () => {
    assert.ok(photos.length >= 90, `expected the ~98 dev photos, found ${photos.length}`);
    assert.equal(photos.filter((p) => p.tightCrop).length, 40);
  });

  for (const name of Object.keys(DETECTORS) as Name[]) {
    it(`${name} finds a face in every dev photo`, () => {
      const r = rate(name);
      assert.deepEqual(r.missed, [], `${name} missed ${r.missed.length}/${r.total}`);
    });
  }

  it('finds every face in the group shots (det_500m, and measured: every other detector too)', () => {
    for (const [name, run] of runs) {
      const counts = Object.keys(GROUP_SHOTS).map((p) => `${p.split('/').pop()} ${run.found.get(p)?.length}`);
      console.log(`# ${name.padEnd(14)} group shots: ${counts.join(', ')}`);
      for (const [photo, faces] of Object.entries(GROUP_SHOTS)) {
        assert.equal(run.found.get(photo)?.length, faces, `${name} ${photo}: ${run.found.get(photo)?.length} faces, counted ${faces}`);
      }
    }
  });

  it('returns plausible landmarks: left eye left of right eye, all five inside the (slightly grown) box', () => {
    for (const [name, run] of runs) {
      let checked = 0;
      for (const [photo, faces] of run.found) {
        for (const { box, landmarks, score } of faces) {
          // Only the clear frontal faces: profiles legitimately put an eye on the box edge.
          if (score < 0.7) continue;
          const [le, re] = landmarks;
          const w = box.x2 - box.x1;
          const h = box.y2 - box.y1;
          assert.ok(le.x < re.x, `${name} ${photo}: left eye x ${le.x} >= right eye x ${re.x}`);
          for (const p of landmarks) {
            assert.ok(p.x >= box.x1 - 0.1 * w && p.x <= box.x2 + 0.1 * w && p.y >= box.y1 - 0.1 * h && p.y <= box.y2 + 0.1 * h, `${name} ${photo}: point outside its box`);
          }
          assert.ok(score > 0 && score <= 1, `${name} ${photo}: score ${score}`);
          checked++;
        }
      }
      assert.ok(checked >= photos.length * 0.8, `${name}: only ${checked} confident faces checked`);
    }
  });

  it('det_500m at 320x320 agrees with 640x640 on the big faces', () => {
    const at640 = runs.get('det_500m')!.found;
    const at320 = runs.get('det_500m_320')!.found;
    let compared = 0;
    for (const photo of photos) {
      const { width, height } = sizes.get(photo.name)!;
      // "Big": at least 48 input pixels tall at 320 (15% of the longer side).
      const big = (d: Detection) => d.box.y2 - d.box.y1 >= 0.15 * Math.max(width, height);
      for (const face of at640.get(photo.name)!.filter(big)) {
        const match = at320.get(photo.name)!.find((d) => iou(d, face) > 0.6);
        assert.ok(match, `${photo.name}: a big face at 640 has no match at 320`);
        const eyeDist = Math.hypot(face.landmarks[1].x - face.landmarks[0].x, face.landmarks[1].y - face.landmarks[0].y);
        for (let i = 0; i < 5; i++) {
          const d = Math.hypot(match.landmarks[i]!.x - face.landmarks[i]!.x, match.landmarks[i]!.y - face.landmarks[i]!.y);
          assert.ok(d < 0.25 * eyeDist, `${photo.name}: point ${i} moved ${d.toFixed(1)} px (eye distance ${eyeDist.toFixed(1)})`);
        }
        compared++;
      }
    }
    console.log(`# 320 vs 640: ${compared} big faces compared`);
    assert.ok(compared >= 50, `only ${compared} big faces compared`);
  });
});

function iou(a: Detection, b: Detection): number {
  const w = Math.min(a.box.x2, b.box.x2) - Math.max(a.box.x1, b.box.x1);
  const h = Math.min(a.box.y2, b.box.y2) - Math.max(a.box.y1, b.box.y1);
  if (w <= 0 || h <= 0) return 0;
  const area = (d: Detection) => (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1);
  return (w * h) / (area(a) + area(b) - w * h);
}
