/**
 * Each shipped recognizer manifest's declared preprocessing (colorOrder + mean/std) must measure
 * best, by a clear margin, on the COLOUR dev pairs: against the swapped channel order and against
 * ImageNet mean/std. AUC is 1.0000 on these pairs whichever order is fed, so the check uses d'
 * and TAR at the lowest FAR the pairs support (tools/eval/metrics.ts). Grey photos (the
 * faceapi_bbt crops) are blind to channel order and are left out. A flipped manifest must fail
 * the same check (tested below), so the check can catch the bug it exists for.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDetector, getModelSet, listModelSets, loadSession, readImage, type Frame, type InferenceSession, type ModelManifest } from '../../sdk/index.ts';
import { sha256File } from '../../sdk/internal.ts';
import { alignLabelledImages, isGrey } from '../../tools/probe/aligned-faces.ts';
import { checkDeclaredPreprocessing, type DeclaredCheck } from '../../tools/probe/check-declared.ts';
import type { LabelledPair } from '../../tools/eval/labelled-faces.ts';
import { deepfaceMaster, faceapiBbt, faceRecognitionTrain } from '../analyzer/dev-sets.ts';
import { assetModel, requireAssets } from '../helpers/assets.ts';

/**
 * Chosen from measurements (docs/models.md, "Channel order"), 42 same / 294 different pairs:
 * BGR leads RGB by d' 0.435 for fr_feature (8.084 vs 7.648) and 0.203 for paddle_128 (7.897 vs
 * 7.694); ImageNet mean/std trails by 1.3 and 6.5. Half the smaller lead leaves room for a
 * different onnxruntime build while a flipped manifest (margin -0.2 or worse) still fails; d' on a
 * fixed set moves by < 1e-4 between runs.
 */
const MIN_MARGIN_DPRIME = 0.1;

const sets = [faceRecognitionTrain(), deepfaceMaster()];
const images = [...new Set(sets.flatMap((s) => s.pairs.flatMap((p) => [p.a, p.b])))].sort();
const index = new Map(images.map((p, i) => [p, i]));
const pairs: LabelledPair[] = sets.flatMap((s) => s.pairs.map((p) => ({ a: index.get(p.a)!, b: index.get(p.b)!, same: p.same })));

/** Every registry recognizer, once per sha256, with its asset copy when the assets hold the same bytes. */
async function shippedRecognizers(): Promise<{ manifest: ModelManifest; path: string | undefined }[]> {
  const modelsDir = join(requireAssets(), 'models');
  const bySha = new Map<string, string>();
  for (const file of readdirSync(modelsDir).filter((f) => f.endsWith('.onnx'))) bySha.set(await sha256File(join(modelsDir, file)), join(modelsDir, file));
  const seen = new Map<string, ModelManifest>();
  for (const set of listModelSets()) for (const m of set.files) if (m.task === 'embed' && !seen.has(m.sha256)) seen.set(m.sha256, m);
  return [...seen.values()].map((manifest) => ({ manifest, path: bySha.get(manifest.sha256) }));
}

const flipped = (m: ModelManifest): ModelManifest => ({
  ...m,
  input: { ...m.input, colorOrder: m.input.colorOrder === 'bgr' ? 'rgb' : 'bgr', mean: [...m.input.mean].reverse(), std: [...m.input.std].reverse() },
});

function print(label: string, check: DeclaredCheck): void {
  const rows = [check.declared, ...check.alternatives].map((r) => `  ${r === check.declared ? 'declared' : 'other   '} ${r.label.padEnd(24)} d'=${r.dPrime.toFixed(3)}  TAR@FAR<1/${r.differentPairs}=${(100 * r.tar).toFixed(1)}%`);
  console.log(`${label}: ${check.declared.samePairs} same / ${check.declared.differentPairs} different colour pairs, margin d' ${check.marginDPrime.toFixed(3)} (needs ${MIN_MARGIN_DPRIME})\n${rows.join('\n')}`);
}

let crops: readonly (Frame | null)[] = [];

before(async () => {
  const det = getModelSet('scrfd').files.find((m) => m.file === 'det_500m.onnx')!;
  const detector = createDetector(det, await loadSession(assetModel('det_500m.onnx')));
  try {
    const aligned = await alignLabelledImages(detector, images);
    assert.deepEqual(aligned.missed, [], 'every colour dev photo has a face');
    assert.deepEqual(aligned.grey, [], 'the colour pair sets hold no grey photo');
    crops = aligned.crops;
  } finally {
    await detector.dispose();
  }
});

it('the faceapi_bbt crops are grey (why they are left out: B=G=R feeds both orders the same tensor)', async () => {
  const bbt = faceapiBbt().images;
  const grey = await Promise.all(bbt.map(async (img) => isGrey(await readImage(img.path))));
  assert.equal(grey.filter(Boolean).length, bbt.length);
  // And the grey test is not vacuous: a colour crop is not grey.
  const colour = crops.find((c) => c !== null)!;
  assert.equal(isGrey(colour), false);
});

const recognizers = await shippedRecognizers();

it('the two recognizers in the assets are among the shipped manifests', () => {
  const measured = recognizers.filter((r) => r.path).map((r) => r.manifest.file);
  assert.deepEqual(measured.sort(), ['fr_feature.onnx', 'mobilefacenet_paddle_128.onnx']);
  for (const r of recognizers.filter((r) => !r.path)) console.log(`${r.manifest.file}: not in the assets, not measured here`);
});

for (const { manifest, path } of recognizers.filter((r) => r.path)) {
  describe(`${manifest.file} (${manifest.input.colorOrder}, mean ${manifest.input.mean[0]} std ${manifest.input.std[0]})`, () => {
    let session: InferenceSession;
    before(async () => {
      session = await loadSession(path!);
    });
    after(() => session.dispose());

    it(`declared preprocessing beats the swapped order and ImageNet mean/std by d' >= ${MIN_MARGIN_DPRIME}`, async () => {
      const check = await checkDeclaredPreprocessing(manifest, session, crops, pairs, MIN_MARGIN_DPRIME);
      print(`${manifest.file} as declared`, check);
      assert.ok(check.declared.samePairs >= 10 && check.declared.differentPairs >= 100, 'enough colour pairs to measure');
      assert.ok(check.ok, check.problems.join('\n'));
    });

    it('the same check fails when the manifest is flipped back to the other channel order', async () => {
      const check = await checkDeclaredPreprocessing(flipped(manifest), session, crops, pairs, MIN_MARGIN_DPRIME);
      print(`${manifest.file} flipped`, check);
      assert.equal(check.ok, false, "a flipped manifest must not pass the d' check");
      assert.ok(check.problems.some((p) => p.includes('margin')), check.problems.join('\n'));
    });
  });
}
