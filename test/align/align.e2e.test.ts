/**
 * Alignment against independent references:
 * - the similarity fit against scikit-image's SimilarityTransform.estimate (what insightface's
 *   estimate_norm calls), within 1e-4 on every matrix entry;
 * - the warp (OpenCV warpAffine) against a plain TypeScript float bilinear sampler written here
 *   and against skimage.transform.warp(order=1), within 1 grey level mean absolute difference;
 * - the template scaling rules of insightface's estimate_norm for 112, 224, 128, 256.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { alignFace, applyAffine, arcfaceTemplate, ARCFACE_TEMPLATE_112, estimateSimilarity, invertAffine } from '../../sdk/align/index.ts';
import { readImage, type AffineMatrix, type Frame } from '../../sdk/image/index.ts';
import type { FivePoints, Point } from '../../sdk/detect/types.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { assetFace } from '../helpers/assets.ts';
import { runPython } from '../image/python.ts';
import { tempDir } from '../image/fixtures.ts';
import { rng } from '../helpers/random.ts';

const tmp = tempDir('align');
test.after(() => tmp.remove());
const random = rng(2024);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** A random similarity (scale 0.3..4, rotation +-60 deg, shift 0..600 px) plus per-point noise. */
function placed(points: readonly Point[], noisePx: number): Point[] {
  const scale = 0.3 + random() * 3.7, angle = ((random() - 0.5) * 2 * Math.PI) / 3;
  const tx = random() * 600, ty = random() * 600;
  const [c, s] = [scale * Math.cos(angle), scale * Math.sin(angle)];
  return points.map((p) => ({ x: c * p.x - s * p.y + tx + gaussian() * noisePx, y: s * p.x + c * p.y + ty + gaussian() * noisePx }));
}
const randomPoints = (n: number, spread: number): Point[] => Array.from({ length: n }, () => ({ x: random() * spread, y: random() * spread }));

const SKIMAGE_ESTIMATE_PY = `
import json, sys
import numpy as np
from skimage.transform import SimilarityTransform
out = []
for case in json.load(sys.stdin):
    t = SimilarityTransform()
    ok = t.estimate(np.array(case['src'], dtype=np.float64), np.array(case['dst'], dtype=np.float64))
    out.append(t.params[:2].reshape(-1).tolist() if ok else None)
print(json.dumps(out))
`;

test('template: 112 is insightface arcface_dst; 224 doubles it; 128/256 scale by size/128 and shift x by 8*ratio', () => {
  assert.deepEqual(arcfaceTemplate(112), ARCFACE_TEMPLATE_112);
  assert.deepEqual(ARCFACE_TEMPLATE_112.map((p) => [p.x, p.y]), [
    [38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041],
  ]);
  const close = (a: readonly Point[], b: readonly Point[]) => a.every((p, i) => Math.abs(p.x - b[i]!.x) < 1e-9 && Math.abs(p.y - b[i]!.y) < 1e-9);
  assert.ok(close(arcfaceTemplate(224), ARCFACE_TEMPLATE_112.map((p) => ({ x: 2 * p.x, y: 2 * p.y }))), '224');
  assert.ok(close(arcfaceTemplate(128), ARCFACE_TEMPLATE_112.map((p) => ({ x: p.x + 8, y: p.y }))), '128');
  assert.ok(close(arcfaceTemplate(256), ARCFACE_TEMPLATE_112.map((p) => ({ x: 2 * p.x + 16, y: 2 * p.y }))), '256');
  assert.ok(close(arcfaceTemplate(896), ARCFACE_TEMPLATE_112.map((p) => ({ x: 8 * p.x, y: 8 * p.y }))), '896 = 8*112 = 7*128 takes the 112 rule');
  for (const bad of [100, 0, -112, 112.5]) assert.throws(() => arcfaceTemplate(bad), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'), String(bad));
});

test('estimateSimilarity matches scikit-image SimilarityTransform.estimate within 1e-4', () => {
  const cases: { src: Point[]; dst: readonly Point[]; what: string }[] = [];
  for (const size of [112, 224, 128]) {
    for (let k = 0; k < 30; k++) cases.push({ src: placed(arcfaceTemplate(size), k % 3), dst: arcfaceTemplate(size), what: `perturbed ${size} template #${k}` });
  }
  // Mirrored landmarks: the best fit without reflection (skimage's det(A) < 0 branch).
  for (let k = 0; k < 5; k++) cases.push({ src: placed(ARCFACE_TEMPLATE_112.map((p) => ({ x: -p.x, y: p.y })), 1), dst: ARCFACE_TEMPLATE_112, what: `mirrored #${k}` });
  for (const n of [2, 3, 5, 68]) cases.push({ src: randomPoints(n, 500), dst: randomPoints(n, 112), what: `random ${n} points` });

  const expected = runPython<(number[] | null)[]>(SKIMAGE_ESTIMATE_PY, cases.map((c) => ({ src: c.src.map((p) => [p.x, p.y]), dst: c.dst.map((p) => [p.x, p.y]) })));
  let worst = 0;
  cases.forEach((c, i) => {
    const reference = expected[i];
    assert.ok(reference, `skimage estimated ${c.what}`);
    const ours = estimateSimilarity(c.src, c.dst);
    const [a, b, , cc, d] = ours;
    assert.ok(Math.abs(a - d) < 1e-12 && Math.abs(b + cc) < 1e-12, `${c.what}: a rotation+scale, no shear or reflection`);
    for (let k = 0; k < 6; k++) {
      const diff = Math.abs(ours[k]! - reference[k]!);
      worst = Math.max(worst, diff);
      assert.ok(diff < 1e-4, `${c.what}: entry ${k} is ${ours[k]} vs skimage ${reference[k]}`);
    }
  });
  console.log(`${cases.length} fits, largest difference from skimage: ${worst.toExponential(2)}`);
});

test('estimateSimilarity recovers an exact similarity and refuses degenerate input', () => {
  const truth: AffineMatrix = [1.3 * Math.cos(0.4), -1.3 * Math.sin(0.4), 211, 1.3 * Math.sin(0.4), 1.3 * Math.cos(0.4), -57];
  const src = randomPoints(5, 300);
  const fit = estimateSimilarity(src, src.map((p) => applyAffine(truth, p)));
  fit.forEach((v, k) => assert.ok(Math.abs(v - truth[k]!) < 1e-9, `entry ${k}`));
  const same = { x: 3, y: 4 };
  assert.throws(() => estimateSimilarity([same, same, same], ARCFACE_TEMPLATE_112.slice(0, 3)), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => estimateSimilarity(src, ARCFACE_TEMPLATE_112.slice(0, 4)), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => estimateSimilarity([{ x: NaN, y: 0 }, same], [same, { x: 0, y: 0 }]), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});

test('invertAffine / applyAffine round-trip', () => {
  const m: AffineMatrix = [0.8, -0.3, 12, 0.3, 0.8, -40];
  const inverse = invertAffine(m);
  for (const p of randomPoints(10, 1000)) {
    const back = applyAffine(inverse, applyAffine(m, p));
    assert.ok(Math.abs(back.x - p.x) < 1e-9 && Math.abs(back.y - p.y) < 1e-9);
  }
  assert.throws(() => invertAffine([1, 2, 0, 2, 4, 0]), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});

/** Independent reference: float bilinear sampling at inverse(x, y), zero outside, rounded. */
function bilinearReference(frame: Frame, matrix: AffineMatrix, size: number): Uint8Array {
  const [a, b, tx, c, d, ty] = invertAffine(matrix);
  const out = new Uint8Array(size * size * 3);
  const at = (x: number, y: number, ch: number) => (x < 0 || y < 0 || x >= frame.width || y >= frame.height ? 0 : frame.data[(y * frame.width + x) * 3 + ch]!);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const sx = a * x + b * y + tx, sy = c * x + d * y + ty;
    const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
    for (let ch = 0; ch < 3; ch++) {
      const v = (1 - fy) * ((1 - fx) * at(x0, y0, ch) + fx * at(x0 + 1, y0, ch)) + fy * ((1 - fx) * at(x0, y0 + 1, ch) + fx * at(x0 + 1, y0 + 1, ch));
      out[(y * size + x) * 3 + ch] = Math.round(v);
    }
  }
  return out;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

const SKIMAGE_WARP_PY = `
import json, sys
import numpy as np
from skimage.transform import AffineTransform, warp
job = json.load(sys.stdin)
img = np.fromfile(job['raw'], dtype=np.uint8).reshape(job['height'], job['width'], 3).astype(np.float64)
out = {}
for key, m in job['matrices'].items():
    M = np.vstack([np.array(m, dtype=np.float64).reshape(2, 3), [0, 0, 1]])
    size = job['sizes'][key]
    # warp() wants the output->input map, i.e. the inverse of the frame->crop matrix.
    crop = warp(img, AffineTransform(matrix=np.linalg.inv(M)), output_shape=(size, size), order=1, mode='constant', cval=0, preserve_range=True)
    np.round(crop).astype(np.uint8).tofile(job['raw'] + '.' + key)
    out[key] = job['raw'] + '.' + key
print(json.dumps(out))
`;

test('alignFace crops match a TS bilinear reference and skimage warp within 1 grey level (real photos)', async () => {
  const photos = [assetFace('debian', 'messi5.jpg'), assetFace('debian', 'astronaut.png')];
  let worstTs = 0, worstSkimage = 0;
  for (const path of photos) {
    const frame = await readImage(path);
    const raw = tmp.file(`frame-${photos.indexOf(path)}.raw`);
    writeFileSync(raw, frame.data);
    const matrices: Record<string, number[]> = {}, sizes: Record<string, number> = {};
    const ours: Record<string, Uint8Array> = {};
    for (const size of [112, 224, 128]) {
      for (let k = 0; k < 3; k++) {
        // Landmarks of a face-sized pattern placed inside the photo: template scaled to ~1/3 of
        // the shorter side, rotated up to +-30 deg, jittered by 1.5 px per point.
        const side = Math.min(frame.width, frame.height) / 3;
        const angle = (random() - 0.5) * (Math.PI / 3), s = side / 112;
        const cx = frame.width / 2 + (random() - 0.5) * side, cy = frame.height / 2 + (random() - 0.5) * side;
        const landmarks = ARCFACE_TEMPLATE_112.map((p) => ({
          x: cx + s * (Math.cos(angle) * (p.x - 56) - Math.sin(angle) * (p.y - 56)) + gaussian() * 1.5,
          y: cy + s * (Math.sin(angle) * (p.x - 56) + Math.cos(angle) * (p.y - 56)) + gaussian() * 1.5,
        })) as unknown as FivePoints;
        const aligned = alignFace(frame, landmarks, size);
        assert.deepEqual([aligned.crop.width, aligned.crop.height], [size, size]);
        // The fitted matrix takes the landmarks close to the template (only the jitter remains).
        const template = arcfaceTemplate(size);
        landmarks.forEach((p, i) => {
          const q = applyAffine(aligned.matrix, p);
          // 1.5 px of jitter in the photo is 1.5 * size/side px in the crop; 6 sigma is a safe bound.
          assert.ok(Math.hypot(q.x - template[i]!.x, q.y - template[i]!.y) < 6 * 1.5 * (size / side), `landmark ${i} lands near the template`);
          const back = applyAffine(aligned.inverse, q);
          assert.ok(Math.hypot(back.x - p.x, back.y - p.y) < 1e-9);
        });
        const key = `${size}-${k}`;
        const difference = meanAbsDiff(aligned.crop.data, bilinearReference(frame, aligned.matrix, size));
        assert.ok(difference < 1, `${path} ${key}: mean |OpenCV - TS bilinear| = ${difference.toFixed(3)}`);
        worstTs = Math.max(worstTs, difference);
        matrices[key] = [...aligned.matrix];
        sizes[key] = size;
        ours[key] = aligned.crop.data;
      }
    }
    const files = runPython<Record<string, string>>(SKIMAGE_WARP_PY, { raw, width: frame.width, height: frame.height, matrices, sizes });
    for (const [key, file] of Object.entries(files)) {
      const difference = meanAbsDiff(ours[key]!, readFileSync(file));
      assert.ok(difference < 1, `${path} ${key}: mean |OpenCV - skimage| = ${difference.toFixed(3)}`);
      worstSkimage = Math.max(worstSkimage, difference);
    }
  }
  console.log(`aligned crops, worst mean abs difference: vs TS bilinear ${worstTs.toFixed(3)}, vs skimage warp ${worstSkimage.toFixed(3)} grey levels`);
});
