/**
 * Recommended thresholds from every impostor pair of the dev photos (issue 24): every labelled
 * dev photo and its four frame-filling crops (92x112 and 112x112, colour and grey), all pairs
 * scored; pairs from one source photo are left out (not an independent comparison). Prints
 * each FAR's threshold with the impostor count above it and 95% intervals:
 *
 *   ARCEDGE_ASSETS=../shared/assets npx tsx scripts/measure-thresholds-all.mts fr_feature_512.onnx mobilefacenet_paddle_128.onnx
 *
 * Identities: faceapi_bbt and knn_examples/train by folder; deepface by joining master.csv's
 * same-person pairs.
 */
import { createFacePipeline, DEFAULT_SUBJECT_RULE, recommendThresholds, selectSubject, type Frame } from '../sdk/index.ts';
import { readImage } from '../sdk/image/index.ts';
import { deepfaceMaster, faceapiBbt, faceRecognitionTrain } from '../test/analyzer/dev-sets.ts';
import { faceCrops } from '../test/analyzer/face-crops.ts';
import { localAssetSet } from '../test/analyzer/model-sets.ts';

function deepfaceLabels(): Map<string, string> {
  const set = deepfaceMaster();
  const parent = new Map(set.images.map((i) => [i.path, i.path]));
  const find = (x: string): string => (parent.get(x) === x ? x : find(parent.get(x)!));
  for (const p of set.pairs) if (p.same) parent.set(find(p.a), find(p.b));
  return new Map(set.images.map((i) => [i.path, `deepface:${find(i.path)}`]));
}

const images = [...faceapiBbt().images, ...faceRecognitionTrain().images, ...deepfaceMaster().images];
const deep = deepfaceLabels();
const label = (path: string, identity: string): string => deep.get(path) ?? identity;
const items: { source: string; label: string; frame: Frame }[] = [];
for (const image of images) items.push({ source: image.path, label: label(image.path, image.identity), frame: await readImage(image.path) });
for (const crop of await faceCrops(images)) items.push({ source: crop.source.path, label: label(crop.source.path, crop.source.identity), frame: crop.frame });

for (const file of process.argv.slice(2)) {
  const pipeline = await createFacePipeline({ models: localAssetSet(`measure-all-${file}`, ['det_500m.onnx', file]), pose: 'five-point' });
  const vectors: (Float32Array | null)[] = [];
  for (const item of items) {
    const face = selectSubject(await pipeline.detect(item.frame), item.frame, DEFAULT_SUBJECT_RULE)[0];
    vectors.push(face ? (await pipeline.embed([pipeline.align(item.frame, face).crop]))[0]! : null);
  }
  const same: number[] = [], different: number[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = vectors[i], b = vectors[j];
      if (!a || !b || items[i]!.source === items[j]!.source) continue;
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
      (items[i]!.label === items[j]!.label ? same : different).push(dot);
    }
  }
  const c = recommendThresholds(same, different);
  console.log(JSON.stringify({ file, model: pipeline.models.embed, images: items.length, noFace: vectors.filter((v) => !v).length, ...c }, null, 1));
  await pipeline.dispose();
}
