/**
 * Detection precision on frames without a face (issue 24 item 5): false faces per 1,000 frames
 * for every shipped detector at its default threshold, before and after the face gate
 * (sdk/detect/face-gate.ts: YuNet confirms each detection), and the recall the gate keeps on the dev photos and their
 * frame-filling crops. 1,000 frames: 350 windows of public-domain photos (objects, landscapes,
 * a cat), 150 backgrounds of the dev photos, 500 synthetic (textures, text, smiley blobs).
 * In-process but heavy (4 detectors x ~1,250 frames): e2e tier.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFacePipeline } from '../../sdk/analyzer/index.ts';
import { confirmFaces } from '../../sdk/detect/face-gate.ts';
import type { Detection } from '../../sdk/detect/types.ts';
import { readImage, type Frame } from '../../sdk/image/index.ts';
import { devSets } from '../analyzer/dev-sets.ts';
import { faceCrops } from '../analyzer/face-crops.ts';
import { defaultSet, localAssetSet } from '../analyzer/model-sets.ts';
import { backgroundFrames, photoFrames, syntheticFrames } from './face-free.ts';

const DETECTORS = [
  { name: 'default (UltraFace)', models: async () => defaultSet() },
  { name: 'det_500m (buffalo_sc/s)', models: async () => localAssetSet('precision-500m', ['det_500m.onnx']) },
  { name: 'det_2.5g (buffalo_m)', models: async () => localAssetSet('precision-2.5g', ['det_2.5g.onnx']) },
  { name: 'yunet', models: async () => localAssetSet('precision-yunet', ['yunet_s_dynamic.onnx']) },
];

// The gate's verifier: YuNet (yunet_s_dynamic, Apache-2.0), the detector with the fewest false faces here.
const verifierSet = () => localAssetSet('precision-verifier', ['yunet_s_dynamic.onnx']);

test('false faces per 1,000 face-free frames, before and after the gate, and recall kept', async () => {
  const dev = devSets().flatMap((s) => s.images);
  const photos: { path: string; frame: Frame; faces: Detection['box'][] }[] = [];
  const reference = await createFacePipeline({ models: localAssetSet('precision-ref', ['det_500m.onnx']), stages: ['detect'], pose: 'five-point' });
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
  const verifier = await createFacePipeline({ models: verifierSet(), stages: ['detect'], pose: 'five-point' });
  const rows: { name: string; before: number; after: number; recall: [number, number, number]; cropRecall: [number, number, number] }[] = [];
  try {
    for (const d of DETECTORS) {
      const p = await createFacePipeline({ models: await d.models(), stages: ['detect'], pose: 'five-point' });
      try {
        let before = 0, after = 0;
        const seen: string[] = [];
        for (const { label, frame } of faceFree) {
          const raw = await p.detect(frame);
          const kept = raw.length ? await confirmFaces(frame, raw, verifier) : [];
          before += raw.length;
          after += kept.length;
          if (kept.length) seen.push(`${label} (${kept.map((f) => f.score.toFixed(2)).join(',')})`);
        }
        const recall = async (frames: readonly Frame[]): Promise<[number, number, number]> => {
          let raw = 0, kept = 0;
          for (const frame of frames) {
            const found = await p.detect(frame);
            raw += found.length > 0 ? 1 : 0;
            kept += (found.length ? await confirmFaces(frame, found, verifier) : []).length > 0 ? 1 : 0;
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
    await verifier.dispose();
  }
  for (const r of rows) {
    assert.ok(r.after < 1, `${r.name}: ${r.after} false faces per 1000 frames after the gate`);
    assert.ok(r.after <= r.before);
    assert.equal(r.recall[1], r.recall[0], `${r.name}: the gate keeps every portrait the detector found`);
    assert.equal(r.cropRecall[1], r.cropRecall[0], `${r.name}: the gate keeps every crop the detector found`);
  }
});
