/**
 * jetson-check, engines: builds FP16 TensorRT engines for det_500m and fr_feature_512 in a
 * fresh cache (so the build time is real), runs them, and compares them with onnxruntime CPU on
 * the dev faces (../shared/assets/faces/faceapi_bbt): worst cosine over the faces, which must
 * be >= 0.999 for FP16 (the same bar as `npm run test:tensorrt`). Prints one report line per
 * check (PASS/FAIL/SKIP <name>: <numbers>); exit status 1 when any check failed.
 *
 *   node --import tsx scripts/jetson-check/engines.ts [--runs 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createOnnxRuntimeBackend } from '../../sdk/runtime/onnxruntime.ts';
import { createTensorRtBackend } from '../../sdk/runtime/tensorrt.ts';
import type { InferenceSession, SessionOptions, Tensor } from '../../sdk/runtime/types.ts';
import { assetModel } from '../../test/helpers/assets.ts';
import { bbtFace, cosine, detectorInput, recognizerBatch, row } from '../../test/runtime/faces.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 50;
const MIN_COSINE = 0.999;
const people = ['amy', 'penny', 'raj', 'sheldon', 'howard', 'leonard', 'bernadette', 'stuart'];
const faces = people.map((p) => bbtFace(p, 1));
let failed = false;
const report = (status: 'PASS' | 'FAIL' | 'SKIP' | 'INFO', name: string, text: string): void => {
  if (status === 'FAIL') failed = true;
  console.log(`${status} ${name}: ${text}`);
};

interface Case {
  readonly name: string;
  readonly file: string;
  readonly input: string;
  readonly options: SessionOptions;
  /** One input per dev face. */
  readonly feeds: () => Tensor[];
}

const detNormalise = (v: number): number => (v - 127.5) / 128;
const cases: Case[] = [
  {
    name: 'det_500m fp16',
    file: 'det_500m.onnx',
    input: 'input.1',
    options: { precision: 'fp16', tensorrt: { inputShapes: { 'input.1': { min: [1, 3, 640, 640], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] } } } },
    // Each face on a 640x640 canvas, as the detector sees a frame.
    feeds: () => faces.map((f) => detectorInput(f, 640, 640, detNormalise)),
  },
  { name: 'fr_feature_512 fp16', file: 'fr_feature_512.onnx', input: 'input', options: { precision: 'fp16' }, feeds: () => faces.map((f) => recognizerBatch([f])) },
];

/** Cosine of every output, flattened, between the two sessions; the worst over outputs. */
function worstCosine(a: Record<string, Tensor>, b: Record<string, Tensor>): number {
  let worst = 1;
  for (const [name, tensor] of Object.entries(a)) {
    const other = b[name];
    if (!other) return Number.NaN;
    const value = tensor.dims.length === 2 && tensor.dims[0] === 1 ? cosine(row(tensor, 0), row(other, 0)) : cosine(tensor.data as Float32Array, other.data as Float32Array);
    worst = Math.min(worst, value);
  }
  return worst;
}

async function meanRunMs(session: InferenceSession, input: string, feed: Tensor): Promise<number> {
  await session.run({ [input]: feed }); // warm
  const started = session.stats.totalRunMs;
  for (let i = 0; i < runs; i += 1) await session.run({ [input]: feed });
  return (session.stats.totalRunMs - started) / runs;
}

const probe = await createTensorRtBackend().probe();
if (!probe.available) {
  report('FAIL', 'tensorrt backend', probe.reason);
  process.exit(1);
}
report('INFO', 'tensorrt backend', `${probe.reason}; ${Object.entries(probe.details ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`);

const cacheDir = mkdtempSync(join(tmpdir(), 'arcedge-jetson-check-'));
try {
  for (const c of cases) {
    const path = assetModel(c.file);
    let trt: InferenceSession | undefined;
    let cpu: InferenceSession | undefined;
    try {
      const lines: string[] = [];
      const t0 = performance.now();
      trt = await createTensorRtBackend().load(path, { ...c.options, logger: (l) => lines.push(l), tensorrt: { ...c.options.tensorrt, cacheDir } });
      const buildS = (performance.now() - t0) / 1000;
      // A second load reads the engine from the cache: the start-up cost after the first boot.
      const t1 = performance.now();
      const again = await createTensorRtBackend().load(path, { ...c.options, logger: () => undefined, tensorrt: { ...c.options.tensorrt, cacheDir } });
      const cachedS = (performance.now() - t1) / 1000;
      await again.dispose();
      cpu = await createOnnxRuntimeBackend('cpu').load(path, { threads: 2 });
      const feeds = c.feeds();
      let worst = 1;
      for (const feed of feeds) worst = Math.min(worst, worstCosine(await cpu.run({ [c.input]: feed }), await trt.run({ [c.input]: feed })));
      const trtMs = await meanRunMs(trt, c.input, feeds[0]!);
      const cpuMs = await meanRunMs(cpu, c.input, feeds[0]!);
      const ok = worst >= MIN_COSINE;
      report(ok ? 'PASS' : 'FAIL', `engine ${c.name}`,
        `build ${buildS.toFixed(1)} s, cached load ${cachedS.toFixed(2)} s, ${trtMs.toFixed(2)} ms/run (cpu ${cpuMs.toFixed(2)} ms, x${(cpuMs / trtMs).toFixed(1)}), ` +
        `worst cosine vs cpu ${worst.toFixed(5)} over ${feeds.length} dev faces (need >= ${MIN_COSINE})`);
      for (const l of lines.filter((x) => /layer|fallback|warn/i.test(x))) report('INFO', `engine ${c.name}`, l);
    } catch (error) {
      report('FAIL', `engine ${c.name}`, (error as Error).message.split('\n').slice(0, 6).join(' | '));
    } finally {
      await trt?.dispose();
      await cpu?.dispose();
    }
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
