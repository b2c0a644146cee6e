/**
 * npm run bench: per-stage latency of the face analyzer on the dev photos, and how close the
 * pipeline gets to the raw model time.
 *
 *   ratio = end-to-end ms / sum of session.run ms of the same calls (InferenceSession.stats)
 *
 * 1.00 would mean every millisecond is spent inside the runtime. Two ratios are printed:
 * "pipeline" feeds decoded frames (what the agent does with camera frames; target <= 1.10) and
 * "with decode" feeds encoded bytes, so JPEG/PNG decoding counts as overhead too.
 * CPU, 2 intra-op threads (spinning off, the runtime default). Runs in well under 2 minutes.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createFaceAnalyzer, STAGES, type AnalyzerStats, type FaceAnalyzerOptions } from '../../sdk/analyzer/index.ts';
import { readImage } from '../../sdk/image/index.ts';
import type { Frame } from '../../sdk/image/frame.ts';
import { assetFace } from '../helpers/assets.ts';
import { defaultSet, SCRFD_FR512, SCRFD_PADDLE128 } from '../analyzer/model-sets.ts';
import { deepfaceMaster, faceRecognitionTrain } from '../analyzer/dev-sets.ts';
import { benchAgent } from './agent.ts';
import { printMatchBench } from './match-bench.ts';

const THREADS = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

function benchPhotos(): string[] {
  const group = [1, 2, 3, 4, 5].map((i) => assetFace('faceapi_bbt', `bbt${i}.jpg`));
  const misc = [assetFace('debian', 'messi5.jpg'), assetFace('debian', 'astronaut.png'), assetFace('face_recognition', 'examples', 'two_people.jpg')];
  return [...faceRecognitionTrain().images.map((i) => i.path), ...deepfaceMaster().images.map((i) => i.path), ...group, ...misc];
}

interface Row {
  readonly label: string;
  readonly mode: string;
  readonly stats: AnalyzerStats;
  readonly wallMs: number;
}

async function measure(label: string, options: FaceAnalyzerOptions, inputs: { bytes: Uint8Array[]; frames: Frame[] }): Promise<Row[]> {
  const analyzer = await createFaceAnalyzer({ ...options, backend: { threads: THREADS } });
  try {
    for (const frame of inputs.frames.slice(0, 3)) await analyzer.analyze(frame); // warm-up: first runs allocate
    const rows: Row[] = [];
    for (const [mode, list] of [['pipeline', inputs.frames], ['with decode', inputs.bytes]] as const) {
      analyzer.resetStats();
      const start = performance.now();
      for (let r = 0; r < ROUNDS; r++) for (const input of list) await analyzer.analyze(input);
      rows.push({ label, mode, stats: analyzer.stats(), wallMs: performance.now() - start });
    }
    return rows;
  } finally {
    await analyzer.dispose();
  }
}

function table(rows: readonly Row[]): string {
  const head = ['models', 'input', 'calls', 'faces', ...STAGES.map((s) => `${s} ms`), 'total ms', 'model ms', 'ratio'];
  const lines = rows.map((r) => {
    const perCall = (ms: number) => (ms / r.stats.calls).toFixed(2);
    const modelMs = Object.values(r.stats.modelRunMs).reduce((a, b) => a + b, 0);
    return [
      r.label,
      r.mode,
      String(r.stats.calls),
      String(r.stats.faces),
      ...STAGES.map((s) => perCall(r.stats.stageMs[s])),
      perCall(r.stats.totalMs),
      perCall(modelMs),
      (r.stats.totalMs / modelMs).toFixed(3),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const paths = benchPhotos();
  const bytes = paths.map((p) => new Uint8Array(readFileSync(p)));
  const frames = await Promise.all(paths.map((p) => readImage(p)));
  const inputs = { bytes, frames };
  const configs: [string, FaceAnalyzerOptions][] = [
    ['det_500m + fr_feature_512', { models: SCRFD_FR512() }],
    ['det_500m + paddle_128', { models: SCRFD_PADDLE128() }],
    ['default (+ liveness)', { models: await defaultSet(), liveness: true }],
  ];
  const rows: Row[] = [];
  for (const [label, options] of configs) rows.push(...(await measure(label, options, inputs)));
  console.log(`\narcedge bench: ${paths.length} photos x ${ROUNDS} rounds, CPU, ${THREADS} threads; ms per analyze() call`);
  console.log('ratio = end-to-end / sum of session.run (target <= 1.10 for "pipeline")\n');
  console.log(table(rows));
  console.log(`\nmodel ms by role (pipeline rows): ${rows
    .filter((r) => r.mode === 'pipeline')
    .map((r) => `${r.label}: ${Object.entries(r.stats.modelRunMs).map(([k, v]) => `${k} ${(v / r.stats.calls).toFixed(2)}`).join(', ')}`)
    .join(' | ')}`);
  console.log(`\n${await benchAgent(THREADS)}`);
  printMatchBench();
  console.log(`finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
