/**
 * Profile rows for the speed levers (issue 12, "Performance work": profile first). Each lever
 * is measured against the current setting on the same dev photos in the same run, with what it
 * must keep: recall (photos where the subject's face is found) and dev-pair AUC.
 *
 * - detector input: det_500m at a 320x320 input instead of the 640x640 letterbox (the dev
 *   photos' faces are large; a 225 px padded crop is upscaled 2.8x into 640);
 * - intra-op threads: 1 against 2 for the whole detect+embed.
 * Embedder batching is not a lever for these recognizers: fr_feature.onnx is fixed at batch 1,
 * and mobilefacenet_paddle_128 was measured slower per face at batch 16 than at batch 1.
 */
import { performance } from 'node:perf_hooks';
import { compare, createFacePipeline, type Detection } from '../../../sdk/index.ts';
import { aucMannWhitney } from '../../../tools/eval/metrics.ts';
import { SCRFD_FR512 } from '../../analyzer/model-sets.ts';
import { devPhotos, type DevPhotos } from '../photos.ts';
import type { BenchContext, RowProvider } from '../types.ts';

interface Measured {
  readonly detectMs: number;
  readonly embedMs: number;
  readonly found: number;
  readonly auc: number;
}

const area = (d: Detection) => (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1);

async function measure(photos: DevPhotos, threads: number, inputSize?: number): Promise<Measured> {
  const pipeline = await createFacePipeline({ models: SCRFD_FR512(), backend: { threads }, ...(inputSize ? { detect: { inputSize: { width: inputSize, height: inputSize } } } : {}) });
  try {
    for (const frame of photos.frames.slice(0, 3)) await pipeline.detect(frame);
    let detectMs = 0, embedMs = 0, found = 0;
    const subjects: (Float32Array | undefined)[] = [];
    for (const frame of photos.frames) {
      let t = performance.now();
      const face = (await pipeline.detect(frame)).sort((a, b) => area(b) - area(a))[0];
      detectMs += performance.now() - t;
      if (!face) {
        subjects.push(undefined);
        continue;
      }
      found++;
      t = performance.now();
      subjects.push((await pipeline.embed([pipeline.align(frame, face).crop]))[0]);
      embedMs += performance.now() - t;
    }
    const same: number[] = [], different: number[] = [];
    for (const p of photos.pairs) {
      const a = subjects[p.a], b = subjects[p.b];
      if (a && b) (p.same ? same : different).push(compare(a, b));
    }
    return { detectMs: detectMs / photos.frames.length, embedMs: embedMs / Math.max(1, found), found, auc: aucMannWhitney(same, different) };
  } finally {
    await pipeline.dispose();
  }
}

const provider: RowProvider = {
  part: 'levers',
  async run(context: BenchContext) {
    if (context.quick) return [{ section: 'levers', name: 'speed levers (detector input, threads)', value: null, unit: '', note: 'full run only' }];
    const photos = await devPhotos();
    context.log(`levers: det_500m + fr_feature_512 at 640 / 320 input and 1 / ${context.threads} threads on ${photos.frames.length} dev photos`);
    const base = await measure(photos, context.threads);
    const small = await measure(photos, context.threads, 320);
    const single = await measure(photos, 1);
    const section = 'levers';
    const n = photos.frames.length;
    return [
      { section, name: 'det_500m detect at 320x320: ms/photo', value: small.detectMs, unit: 'ms', baseline: { name: '640x640', value: base.detectMs }, better: 'lower' },
      { section, name: 'det_500m detect at 320x320: photos with a face', value: small.found, unit: `of ${n}`, baseline: { name: '640x640', value: base.found }, better: 'higher', target: '>= 1' },
      { section, name: 'det_500m detect at 320x320: dev-pair AUC', value: small.auc, unit: 'AUC', baseline: { name: '640x640', value: base.auc }, better: 'higher', target: '>= 1' },
      { section, name: 'detect at 1 thread: ms/photo', value: single.detectMs, unit: 'ms', baseline: { name: `${context.threads} threads`, value: base.detectMs }, better: 'lower' },
      { section, name: 'embed fr_feature_512 at 1 thread: ms/face', value: single.embedMs, unit: 'ms', baseline: { name: `${context.threads} threads`, value: base.embedMs }, better: 'lower' },
    ];
  },
};
export default provider;
