/**
 * Acceptance (issue 7): faces that fill the frame, through analyze() with no caller padding.
 * From every labelled dev photo, the face box is cut out (grown 0-10%) and resized to 92x112 and
 * 112x112, colour and grey (face-crops.ts). Every detector must find the face in >= 99.5% of
 * them; verification AUC on the crops must stay within 0.002 of the same pipeline on the full
 * photos; the `default` set's 68-point landmarks must stay as close to det_500m's points on the
 * crops as they are on the full photos. And where the first detection pass is clean, the second
 * pass must change nothing: the full photos give the same embeddings with it switched off.
 * Prints recall per detector, AUC per crop variant and the landmark errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createFaceAnalyzer, type Face, type FaceAnalyzer, type FaceAnalyzerOptions } from '../../sdk/analyzer/index.ts';
import { intersectionOverUnion } from '../../sdk/detect/index.ts';
import { fillsFrame } from '../../sdk/detect/two-pass.ts';
import { compare } from '../../sdk/embed/index.ts';
import { readImage } from '../../sdk/image/index.ts';
import { devSets, type DevImage, type DevPair } from './dev-sets.ts';
import { largestFace } from './embed-photos.ts';
import { faceCrops, VARIANTS, variantName, type FaceCrop } from './face-crops.ts';
import { defaultSet, localAssetSet, SCRFD_FR512 } from './model-sets.ts';
import { aucMannWhitney } from './roc.ts';

const MIN_RECALL = 0.995;
const MAX_AUC_DROP = 0.002;
/** The `default` set's landmark error on the crops may exceed its error on the full photos by this factor at most. */
const MAX_ALIGNMENT_RATIO = 1.25;
/** A detection is the face when it overlaps the reference box this much (boxes differ by family). */
const MIN_IOU = 0.3;

interface Config {
  readonly label: string;
  readonly options: () => Promise<FaceAnalyzerOptions>;
  /** Also check verification AUC and unchanged embeddings (issue 7 names these two pipelines). */
  readonly verify: boolean;
}

const fr512 = (name: string, detector: string) => localAssetSet(name, [detector, 'fr_feature_512.onnx']);
const CONFIGS: Config[] = [
  { label: 'det_500m + fr_feature_512', options: async () => ({ models: SCRFD_FR512() }), verify: true },
  { label: 'default (ultraface + landmark68 + fr_feature)', options: async () => ({ models: await defaultSet() }), verify: true },
  { label: 'det_2.5g', options: async () => ({ models: fr512('det25g-fr512', 'det_2.5g.onnx') }), verify: false },
  { label: 'yunet_2023mar_640', options: async () => ({ models: fr512('yunet640-fr512', 'yunet_2023mar_640.onnx') }), verify: false },
  { label: 'yunet_s_dynamic', options: async () => ({ models: fr512('yunetdyn-fr512', 'yunet_s_dynamic.onnx') }), verify: false },
];

const sets = devSets();
const images: DevImage[] = [...new Map(sets.flatMap((s) => s.images).map((i) => [i.path, i])).values()];
const pairs: DevPair[] = sets.flatMap((s) => s.pairs);
let crops: FaceCrop[] = [];

/** The face of a crop: the detection overlapping the reference box most, if enough. */
function matchFace(faces: readonly Face[], crop: FaceCrop): Face | undefined {
  let best: Face | undefined;
  let bestIou = MIN_IOU;
  for (const face of faces) {
    const iou = intersectionOverUnion(face.box, crop.face);
    if (iou >= bestIou) [best, bestIou] = [face, iou];
  }
  return best;
}

function auc(embeddings: ReadonlyMap<string, Float32Array>): { auc: number; scored: number } {
  const same: number[] = [];
  const different: number[] = [];
  for (const p of pairs) {
    const a = embeddings.get(p.a);
    const b = embeddings.get(p.b);
    if (a && b) (p.same ? same : different).push(compare(a, b));
  }
  return { auc: aucMannWhitney(same, different), scored: same.length + different.length };
}

/** Mean distance of the 5 points to the reference ones, over the reference eye distance. */
function pointError(points: readonly { x: number; y: number }[], reference: readonly { x: number; y: number }[]): number {
  const eye = Math.hypot(reference[1]!.x - reference[0]!.x, reference[1]!.y - reference[0]!.y);
  return points.reduce((s, p, i) => s + Math.hypot(p.x - reference[i]!.x, p.y - reference[i]!.y), 0) / points.length / eye;
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

before(async () => {
  crops = await faceCrops(images);
  console.log(`# ${crops.length} frame-filling crops from ${images.length} dev photos (${VARIANTS.map((_, v) => variantName(v)).join(', ')})`);
});

for (const config of CONFIGS) {
  describe(config.label, () => {
    let analyzer: FaceAnalyzer;
    const onCrops: (Face | undefined)[] = [];
    before(async () => {
      analyzer = await createFaceAnalyzer(await config.options());
      for (const crop of crops) onCrops.push(matchFace(await analyzer.analyze(crop.frame), crop));
    });
    after(() => analyzer.dispose());

    test(`finds the face in >= ${MIN_RECALL * 100}% of the crops`, () => {
      const missed = crops.filter((_, i) => !onCrops[i]).map((c) => c.label);
      const perVariant = VARIANTS.map((_, v) => {
        const of = crops.filter((c) => c.variant === v);
        return `${variantName(v)} ${of.filter((c) => onCrops[crops.indexOf(c)]).length}/${of.length}`;
      });
      const recall = 1 - missed.length / crops.length;
      console.log(`# ${config.label}: face found in ${crops.length - missed.length}/${crops.length} crops (${(100 * recall).toFixed(2)}%): ${perVariant.join(', ')}` +
        (missed.length ? `; missed ${missed.join(', ')}` : ''));
      assert.ok(recall >= MIN_RECALL, `${config.label} found ${crops.length - missed.length}/${crops.length}; missed ${missed.join(', ')}`);
    });

    if (!config.verify) return;

    test(`verification AUC on the crops is within ${MAX_AUC_DROP} of the full photos; clean first passes unchanged`, async () => {
      const full = new Map<string, Float32Array>();
      const fullFaces = new Map<string, Face>();
      const onePass = await createFaceAnalyzer({ ...(await config.options()), detect: { secondPass: false } });
      let unchanged = 0;
      const retried: string[] = [];
      try {
        for (const image of images) {
          const frame = await readImage(image.path);
          const faces = await analyzer.analyze(frame);
          const face = largestFace(faces);
          if (face) [full.set(image.path, face.embedding), fullFaces.set(image.path, face)];
          // Same photo with the second pass off: where that first pass is clean the answer must be identical.
          const first = await onePass.analyze(frame);
          const clean = first.length > 0 && first.every((f) => !fillsFrame(f.box, frame));
          if (clean) {
            assert.equal(faces.length, first.length, `${image.path}: ${faces.length} faces with the second pass, ${first.length} without`);
            faces.forEach((f, i) => assert.deepEqual(f.embedding, first[i]!.embedding, `${image.path}: face ${i} changed`));
            unchanged++;
          } else {
            const before = largestFace(first);
            retried.push(`${image.path.split('/faces/').pop()} (${before && face ? `cos ${compare(before.embedding, face.embedding).toFixed(3)}` : `${first.length} -> ${faces.length} faces`})`);
          }
        }
      } finally {
        await onePass.dispose();
      }
      console.log(`# ${config.label}: ${unchanged}/${images.length} full photos with a clean first pass, identical; second pass on ${retried.join(', ') || 'none'}`);
      assert.equal(full.size, images.length, 'a face in every full photo');
      const reference = auc(full);
      const lines = [`full photos AUC=${reference.auc.toFixed(5)} (${reference.scored} pairs)`];
      const perVariant = VARIANTS.map((_, v) => {
        const embeddings = new Map<string, Float32Array>();
        crops.forEach((c, i) => c.variant === v && onCrops[i] && embeddings.set(c.source.path, onCrops[i]!.embedding));
        const result = auc(embeddings);
        lines.push(`${variantName(v)} AUC=${result.auc.toFixed(5)} (${result.scored} pairs)`);
        return result.auc;
      });
      console.log(`# ${config.label}: ${lines.join('; ')}`);

      // Alignment: the 5 points against det_500m's on the full photo (the crops' reference points).
      const onCropsError = crops.flatMap((c, i) => (onCrops[i] ? [pointError(onCrops[i]!.landmarks, c.referencePoints)] : []));
      const firstCrop = new Map(crops.filter((c) => c.variant === 0).map((c) => [c.source.path, c]));
      const onPhotosError = images.flatMap((image) => {
        const face = fullFaces.get(image.path);
        return face ? [pointError(face.landmarks, firstCrop.get(image.path)!.photoPoints)] : [];
      });
      const summary = (e: number[]) => `mean ${mean(e).toFixed(3)} max ${Math.max(...e).toFixed(3)}`;
      console.log(`# ${config.label}: 5 points vs det_500m's on the full photo (/ eye distance): crops ${summary(onCropsError)}, full photos ${summary(onPhotosError)}`);
      // The 68-point path must align tight crops about as well as full photos (det_500m's own points are the reference).
      if (config.label.startsWith('default')) {
        assert.ok(mean(onCropsError) <= MAX_ALIGNMENT_RATIO * mean(onPhotosError), `5-point error ${mean(onCropsError)} on crops vs ${mean(onPhotosError)} on full photos`);
      }
      perVariant.forEach((value, v) =>
        assert.ok(value >= reference.auc - MAX_AUC_DROP, `${config.label} ${variantName(v)}: AUC ${value} vs ${reference.auc} on the full photos`),
      );
    });
  });
}
