/**
 * Bench row for `arcedge quantize`: recognizer latency as FP32, FP16 and INT8 (Q/DQ, percentile;
 * inputs-only and --fuse), batch 1, CPU, runs interleaved so every variant sees the same load.
 * The quantized files are made here (calibrated on the deepface portraits) in test/.tmp.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEmbedder, findManifestBySha256, loadSession, type Embedder } from '../../sdk/index.ts';
import { sha256File } from '../../sdk/internal.ts';
import { collectCrops } from '../../tools/quantize/calibration-data.ts';
import { quantizeModel } from '../../tools/quantize/quantize.ts';
import { assetFace, assetModel, repoRoot } from '../helpers/assets.ts';

const RUNS = 60;

export interface QuantizedTiming {
  readonly model: string;
  readonly variant: string;
  readonly msPerFace: number;
  readonly fp32MsPerFace: number;
}

export async function benchQuantized(threads: number): Promise<QuantizedTiming[]> {
  const timings: QuantizedTiming[] = [];
  const dir = join(repoRoot, 'test', '.tmp', 'bench-quantize');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'det'), { recursive: true });
  symlinkSync(assetModel('det_500m.onnx'), join(dir, 'det', 'det_500m.onnx'));
  const crops = (await collectCrops(assetFace('deepface'), `local:${join(dir, 'det')}`)).crops;
  for (const file of ['fr_feature_512.onnx', 'mobilefacenet_paddle_128.onnx']) {
    const source = assetModel(file);
    const manifest = findManifestBySha256(await sha256File(source))!;
    const variants: [string, string][] = [['fp32', source]];
    for (const [label, extra] of [['fp16', { mode: 'fp16' as const }], ['int8', { mode: 'int8' as const }], ['int8 --fuse', { mode: 'int8' as const, fuseOutputs: true }]] as const) {
      const out = join(dir, `${file}.${label.replace(/\W+/g, '-')}.onnx`);
      await quantizeModel({ model: source, out, crops: { calibration: crops, heldBack: [] }, ...extra });
      variants.push([label, out]);
    }
    const embedders: Embedder[] = [];
    for (const [, path] of variants) embedders.push(createEmbedder(manifest, await loadSession(path, { threads })));
    const times: number[][] = variants.map(() => []);
    for (let r = 0; r < RUNS + 5; r++) {
      for (const [i, e] of embedders.entries()) {
        const start = performance.now();
        await e.embed([crops[r % crops.length]!.crop]);
        if (r >= 5) times[i]!.push(performance.now() - start);
      }
    }
    for (const e of embedders) await e.dispose();
    const medians = times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
    variants.forEach(([label], i) => timings.push({ model: file.replace('.onnx', ''), variant: label, msPerFace: medians[i]!, fp32MsPerFace: medians[0]! }));
  }
  rmSync(dir, { recursive: true, force: true });
  return timings;
}
