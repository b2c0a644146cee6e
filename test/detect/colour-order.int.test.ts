/**
 * Each detector's declared channel order (SCRFD RGB, YuNet BGR) must measure better than the
 * swapped order on the colour dev photos: a face found in at least as many photos, a higher mean face score
 * by MIN_SCORE_GAP, and a subject landmark error (NME against the other family's detector, as
 * declared) no worse. A flipped manifest must fail the same check (tested). Grey photos and the
 * grey faceapi_bbt crops are left out: B=G=R gives both orders the same tensor.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createDetector, type FaceDetector, type FivePoints } from '../../sdk/detect/index.ts';
import { readImage, type Frame } from '../../sdk/image/index.ts';
import type { ModelManifest } from '../../sdk/models/index.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import { isGrey } from '../../tools/probe/aligned-faces.ts';
import { deepfaceMaster, faceRecognitionTrain } from '../analyzer/dev-sets.ts';
import { assetModel } from '../helpers/assets.ts';
import { measureDetector, subject, type DetectorStats } from './colour-order-measure.ts';
import { devPhotos, registryManifest } from './fixtures.ts';

/**
 * From measurements on these 58 colour photos (docs/detect.md, "Channel order"): det_500m's
 * subject score averages 0.8261 RGB vs 0.8216 BGR, while recall (58/58) and landmark error (0.058)
 * tie: SCRFD is nearly blind to channel order. YuNet: 0.9415 BGR vs 0.9284 RGB, 58 vs 57 photos,
 * NME 0.061 vs 0.068. 0.002 sits under SCRFD's lead of 0.0045 and far above run-to-run jitter
 * (< 1e-5 on a fixed set).
 */
const MIN_SCORE_GAP = 0.002;
/** The declared order's landmark error may exceed the swapped one's by at most 2% (SCRFD ties). */
const NME_TOLERANCE = 1.02;

interface OrderCheck {
  readonly declared: DetectorStats;
  readonly swapped: DetectorStats;
  readonly ok: boolean;
  readonly problems: string[];
}

const flipped = (m: ModelManifest): ModelManifest => ({
  ...m,
  input: { ...m.input, colorOrder: m.input.colorOrder === 'rgb' ? 'bgr' : 'rgb', mean: [...m.input.mean].reverse(), std: [...m.input.std].reverse() },
});

const photos: Frame[] = [];
/** Index into `photos` of each single-subject portrait (the colour pair images). */
let portraits: number[] = [];

const measured = new Map<string, DetectorStats>();

/** One measurement per model file and channel order (the flipped check reuses them). */
async function statsFor(m: ModelManifest, path: string, reference: ReadonlyMap<number, FivePoints>): Promise<DetectorStats> {
  const key = `${path}:${m.input.colorOrder}`;
  if (!measured.has(key)) {
    const detector = createDetector(m, await loadSession(path));
    try {
      measured.set(key, await measureDetector(detector, photos, reference));
    } finally {
      await detector.dispose();
    }
  }
  return measured.get(key)!;
}

/** The manifest as given against its swapped twin. */
async function checkDetectorOrder(manifest: ModelManifest, path: string, reference: ReadonlyMap<number, FivePoints>): Promise<OrderCheck> {
  const declared = await statsFor(manifest, path, reference);
  const swapped = await statsFor(flipped(manifest), path, reference);
  const problems: string[] = [];
  if (declared.found < swapped.found) problems.push(`declared finds a face in ${declared.found} photos, swapped in ${swapped.found}`);
  if (declared.meanScore - swapped.meanScore < MIN_SCORE_GAP) {
    problems.push(`mean score declared ${declared.meanScore.toFixed(4)} vs swapped ${swapped.meanScore.toFixed(4)}: lead < ${MIN_SCORE_GAP}`);
  }
  if (declared.nme > swapped.nme * NME_TOLERANCE) problems.push(`landmark NME declared ${declared.nme.toFixed(4)} > swapped ${swapped.nme.toFixed(4)} x ${NME_TOLERANCE}`);
  return { declared, swapped, ok: problems.length === 0, problems };
}

function print(label: string, manifest: ModelManifest, check: OrderCheck): void {
  const line = (name: string, order: string, s: DetectorStats): string =>
    `  ${name} ${order}: a face in ${s.found} of ${s.total} photos, subject mean score ${s.meanScore.toFixed(4)}, subject NME ${s.nme.toFixed(4)}`;
  const swappedOrder = manifest.input.colorOrder === 'rgb' ? 'bgr' : 'rgb';
  console.log(`${label}\n${line('declared', manifest.input.colorOrder, check.declared)}\n${line('swapped ', swappedOrder, check.swapped)}`);
}

async function subjectLandmarks(detector: FaceDetector): Promise<Map<number, FivePoints>> {
  try {
    const out = new Map<number, FivePoints>();
    for (const i of portraits) {
      const face = subject(await detector.detect(photos[i]!));
      if (face) out.set(i, face.landmarks);
    }
    return out;
  } finally {
    await detector.dispose();
  }
}

const DETECTORS = [
  { set: 'scrfd', file: 'det_500m.onnx', reference: { set: 'yunet', file: 'yunet_2023mar_640.onnx' } },
  { set: 'yunet', file: 'yunet_2023mar_640.onnx', reference: { set: 'scrfd', file: 'det_500m.onnx' } },
  { set: 'yunet', file: 'yunet_s_dynamic.onnx', reference: { set: 'scrfd', file: 'det_500m.onnx' } },
] as const;

const references = new Map<string, Map<number, FivePoints>>();

before(async () => {
  const pairImages = new Set([faceRecognitionTrain(), deepfaceMaster()].flatMap((s) => s.pairs.flatMap((p) => [p.a, p.b])));
  const paths: string[] = [];
  for (const photo of devPhotos().filter((p) => !p.tightCrop)) {
    const frame = await readImage(photo.path);
    if (isGrey(frame)) continue;
    photos.push(frame);
    paths.push(photo.path);
  }
  portraits = paths.flatMap((p, i) => (pairImages.has(p) ? [i] : []));
  assert.equal(portraits.length, pairImages.size, 'every colour pair image is among the photos');
  for (const file of new Set(DETECTORS.map((d) => d.reference.file))) {
    const ref = DETECTORS.find((d) => d.reference.file === file)!.reference;
    references.set(file, await subjectLandmarks(createDetector(registryManifest(ref.set, ref.file), await loadSession(assetModel(ref.file)))));
  }
});

for (const d of DETECTORS) {
  describe(`${d.file} (declared ${registryManifest(d.set, d.file).input.colorOrder})`, () => {
    const manifest = registryManifest(d.set, d.file);

    it(`declared channel order: no fewer faces, mean score ahead by >= ${MIN_SCORE_GAP}, landmark error no worse`, async () => {
      const check = await checkDetectorOrder(manifest, assetModel(d.file), references.get(d.reference.file)!);
      print(`${d.file} as declared (NME against ${d.reference.file})`, manifest, check);
      assert.ok(check.declared.found >= portraits.length, 'a face in every portrait at least');
      assert.equal(references.get(d.reference.file)!.size, portraits.length, 'a reference for every portrait');
      assert.ok(check.ok, check.problems.join('\n'));
    });

    it('the same check fails when the manifest is flipped', async () => {
      const check = await checkDetectorOrder(flipped(manifest), assetModel(d.file), references.get(d.reference.file)!);
      assert.equal(check.ok, false, 'a flipped detector manifest must not pass');
      console.log(`${d.file} flipped: ${check.problems.join('; ')}`);
    });
  });
}
