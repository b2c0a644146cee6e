/**
 * Detection precision on frames without a face (issue 24 item 5): false faces per 1,000 frames
 * for the detector of every shipped model set at its default threshold, before and after the face
 * check (sdk/analyzer/face-check.ts, opt-in: `faceCheck: {}`; the registry recognizer must read each crop as
 * a face, or its 68 points must stay put when the box moves), and the recall the check keeps on the dev portraits and their frame-filling 92x112
 * grey crops. 1,000 frames: 350 windows of public-domain photos (objects, landscapes, a cat), 150
 * backgrounds of the dev photos, 500 synthetic (textures, text, smiley blobs).
 * Sets and their detectors: default (UltraFace), buffalo_sc / buffalo_s / scrfd (det_500m first),
 * buffalo_m (det_2.5g), yunet (yunet_2023mar_640 first; yunet_s_dynamic, same weights, is left out for CI time). buffalo_l's det_10g
 * is not among the test assets and is not measured here (docs/detect.md says so).
 * In-process but heavy (5 detectors x ~1,150 frames): e2e tier.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFacePipeline } from '../../sdk/analyzer/index.ts';
import { checkFaces } from '../../sdk/analyzer/face-check.ts';
import { Landmark68 } from '../../sdk/detect/landmark68.ts';
import type { Detection } from '../../sdk/detect/types.ts';
import { createEmbedder } from '../../sdk/embed/index.ts';
import { readImage, type Frame } from '../../sdk/image/index.ts';
import { getModelSet, modelSearchPath, resolveModel } from '../../sdk/models/index.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import { devSets } from '../analyzer/dev-sets.ts';
import { faceCrops } from '../analyzer/face-crops.ts';
import { defaultSet, localAssetSet } from '../analyzer/model-sets.ts';
import { backgroundFrames, photoFrames, syntheticFrames } from './face-free.ts';

const DETECTORS = [
  { name: 'default (UltraFace)', models: async () => defaultSet() },
  { name: 'buffalo_sc/s, scrfd (det_500m)', models: async () => localAssetSet('precision-500m', ['det_500m.onnx']) },
  { name: 'buffalo_m (det_2.5g)', models: async () => localAssetSet('precision-2.5g', ['det_2.5g.onnx']) },
  { name: 'yunet (yunet_2023mar_640)', models: async () => localAssetSet('precision-yunet640', ['yunet_2023mar_640.onnx']) },
];

test('false faces per 1,000 face-free frames, before and after the face check, and recall kept', async () => {
  const dev = devSets().flatMap((s) => s.images);
  const photos: { path: string; frame: Frame; faces: Detection['box'][] }[] = [];
  const reference = await createFacePipeline({ models: localAssetSet('precision-ref', ['det_500m.onnx']), stages: ['detect'], pose: 'five-point', faceCheck: false });
  for (const image of dev) {
    const frame = await readImage(image.path);
    photos.push({ path: image.path, frame, faces: (await reference.detect(frame, { scoreThreshold: 0.2 })).map((d) => d.box) });
  }
  await reference.dispose();
  // Group shots (bbt1-5) hold many faces: only portraits give backgrounds and recall.
  const portraits = photos.filter((p) => !/bbt\d/.test(p.path));
  const faceFree = [...(await photoFrames(350)), ...backgroundFrames(portraits, 150), ...syntheticFrames(500)];
  assert.equal(faceFree.length, 1000);
  const crops = (await faceCrops(dev)).filter((c) => c.variant === 1);
  // The check's recognizer, as the pipeline resolves it (the registry's default-set copy).
  const manifest = getModelSet('default').files.find((f) => f.id === 'faceplugin-feature-512')!;
  const checker = createEmbedder(manifest, await loadSession((await resolveModel(manifest, { searchPath: modelSearchPath() })).path, { threads: 2 }));
  const lmManifest = getModelSet('default').files.find((f) => f.task === 'landmarks')!;
  const landmarks = new Landmark68(lmManifest, await loadSession((await resolveModel(lmManifest, { searchPath: modelSearchPath() })).path, { threads: 2 }));
  const rows: { name: string; before: number; after: number; recall: [number, number, number]; cropRecall: [number, number, number] }[] = [];
  try {
    for (const d of DETECTORS) {
      const models = await d.models();
      // The check is opt-in: left at the defaults a pipeline does not load it; faceCheck: {} does.
      const defaults = await createFacePipeline({ models, stages: ['detect'], pose: 'five-point' });
      assert.equal(defaults.models.check, undefined, `${d.name}: the face check is off by default`);
      await defaults.dispose();
      const checked = await createFacePipeline({ models, stages: ['detect'], pose: 'five-point', faceCheck: {} });
      assert.equal(checked.models.check, 'faceplugin-feature-512', `${d.name}: faceCheck: {} loads the check`);
      await checked.dispose();
      const p = await createFacePipeline({ models, stages: ['detect'], pose: 'five-point', faceCheck: false });
      try {
        let before = 0, after = 0;
        const seen: string[] = [];
        for (const { label, frame } of faceFree) {
          const raw = await p.detect(frame);
          const kept = await checkFaces(frame, raw, checker, landmarks);
          before += raw.length;
          after += kept.length;
          if (kept.length) seen.push(`${label} (${kept.map((f) => f.score.toFixed(2)).join(',')})`);
        }
        const recall = async (frames: readonly Frame[]): Promise<[number, number, number]> => {
          let raw = 0, kept = 0;
          for (const frame of frames) {
            const found = await p.detect(frame);
            raw += found.length > 0 ? 1 : 0;
            kept += (await checkFaces(frame, found, checker, landmarks)).length > 0 ? 1 : 0;
          }
          return [raw, kept, frames.length];
        };
        rows.push({ name: d.name, before, after, recall: await recall(portraits.map((x) => x.frame)), cropRecall: await recall(crops.map((c) => c.frame)) });
        const r = rows.at(-1)!;
        console.log(`# ${d.name}: ${before} -> ${after} false faces per 1000 face-free frames; portraits found ${r.recall[0]} -> ${r.recall[1]} of ${r.recall[2]}, 92x112 grey crops ${r.cropRecall[0]} -> ${r.cropRecall[1]} of ${r.cropRecall[2]}${seen.length ? `; still: ${seen.slice(0, 5).join('; ')}` : ''}`);
      } finally {
        await p.dispose();
      }
    }
  } finally {
    await checker.dispose();
    await landmarks.dispose();
  }
  for (const r of rows) {
    assert.ok(r.after < 1, `${r.name}: ${r.after} false faces per 1000 frames with the face check`);
    assert.ok(r.after <= r.before);
    assert.equal(r.recall[1], r.recall[0], `${r.name}: the check keeps every portrait the detector found`);
    assert.equal(r.cropRecall[1], r.cropRecall[0], `${r.name}: the check keeps every crop the detector found`);
  }
});
