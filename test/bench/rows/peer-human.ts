/**
 * Peer rows: detect+embed throughput and dev-pair verification AUC of arcedge against
 * `@vladmandic/human` 3.3.6 (tfjs-wasm, a real install: test/bench/peer/human.ts), on the same
 * decoded dev photos in the same process. Rounds alternate human / ours so that load from other
 * processes on a shared machine hits both alike; each engine's figure is its median round.
 *
 * faces/s = faces embedded / wall time of detect (+ align) + embed over all photos; decoding is
 * outside the timing for both. AUC: the largest face per photo, every dev pair (exact
 * Mann-Whitney), human scored with its own similarity function, ours with cosine.
 *
 * Each of our pipelines runs twice, with the detector's input planning (the default) and without
 * it (detect.inputPlanning false: the fixed 640 letterbox), so the rows say what planning buys.
 * The ratio to human is taken per round (both measured seconds apart) and reported as the median
 * with its min-max spread; BENCH_PEER_ROUNDS sets the rounds (default 5, --quick 1).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { compare, createFacePipeline, type Detection, type FacePipelineOptions, type Frame } from '../../../sdk/index.ts';
import { aucMannWhitney } from '../../../tools/eval/metrics.ts';
import { defaultSet, SCRFD_FR512 } from '../../analyzer/model-sets.ts';
import { loadHuman, type HumanPeer } from '../peer/human.ts';
import { devPhotos, type DevPhotos } from '../photos.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

interface Engine {
  readonly label: string;
  /** Every face's embedding, largest face first. */
  run(frame: Frame): Promise<{ embeddings: unknown[] }>;
  similarity(a: unknown, b: unknown): number;
  dispose(): Promise<void>;
}

const area = (d: Detection) => (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1);

async function ours(label: string, options: FacePipelineOptions, threads: number): Promise<Engine> {
  const pipeline = await createFacePipeline({ ...options, backend: { threads } });
  return {
    label,
    async run(frame) {
      const faces = (await pipeline.detect(frame)).sort((a, b) => area(b) - area(a));
      if (faces.length === 0) return { embeddings: [] };
      return { embeddings: await pipeline.embed(faces.map((f) => pipeline.align(frame, f).crop)) };
    },
    similarity: (a, b) => compare(a as Float32Array, b as Float32Array),
    dispose: () => pipeline.dispose(),
  };
}

function humanEngine(human: HumanPeer): Engine {
  return {
    label: `human ${human.version} (${human.backend})`,
    async run(frame) {
      const faces = (await human.detect(frame)).sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
      return { embeddings: faces.map((f) => f.embedding) };
    },
    similarity: (a, b) => human.similarity(a as number[], b as number[]),
    dispose: async () => human.dispose(),
  };
}

interface Round {
  readonly facesPerSecond: number;
  readonly faces: number;
  readonly subjects: (unknown | undefined)[];
}

async function round(engine: Engine, photos: DevPhotos): Promise<Round> {
  const subjects: (unknown | undefined)[] = [];
  let faces = 0;
  const started = performance.now();
  for (const frame of photos.frames) {
    const { embeddings } = await engine.run(frame);
    faces += embeddings.length;
    subjects.push(embeddings[0]);
  }
  return { facesPerSecond: faces / ((performance.now() - started) / 1000), faces, subjects };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function auc(engine: Engine, photos: DevPhotos, subjects: (unknown | undefined)[]): { auc: number; missed: number } {
  const same: number[] = [];
  const different: number[] = [];
  let missed = 0;
  for (const p of photos.pairs) {
    const a = subjects[p.a];
    const b = subjects[p.b];
    if (a === undefined || b === undefined) {
      missed++;
      continue;
    }
    (p.same ? same : different).push(engine.similarity(a, b));
  }
  return { auc: aucMannWhitney(same, different), missed };
}

const provider: RowProvider = {
  part: 'peer',
  async run(context: BenchContext) {
    const photos = await devPhotos();
    context.log(`peer: loading @vladmandic/human (tfjs-wasm) and our pipelines; ${photos.frames.length} dev photos, ${photos.pairs.length} pairs`);
    const human = humanEngine(await loadHuman());
    context.note('peer', human.label);
    const noPlanning = { detect: { inputPlanning: false } };
    const engines = [
      human,
      await ours('det_500m + fr_feature_512', { models: SCRFD_FR512() }, context.threads),
      await ours('det_500m + fr_feature_512, no planning', { models: SCRFD_FR512(), ...noPlanning }, context.threads),
      await ours('default', { models: await defaultSet() }, context.threads),
      await ours('default, no planning', { models: await defaultSet(), ...noPlanning }, context.threads),
    ];
    try {
      for (const e of engines) for (const frame of photos.frames.slice(0, 3)) await e.run(frame); // warm-up
      const rounds = engines.map(() => [] as Round[]);
      const peerRounds = Number(process.env.BENCH_PEER_ROUNDS ?? (context.quick ? 1 : 5));
      const loadStart = loadavg()[0]!;
      for (let r = 0; r < peerRounds; r++) {
        // Alternate the order too, so no engine always runs right after the same one.
        const order = r % 2 === 0 ? [...engines.keys()] : [...engines.keys()].reverse();
        for (const i of order) {
          rounds[i]!.push(await round(engines[i]!, photos));
          context.log(`  round ${r + 1}: ${engines[i]!.label} ${rounds[i]!.at(-1)!.facesPerSecond.toFixed(1)} faces/s (load ${loadavg()[0]!.toFixed(1)})`);
        }
      }
      const load = `load ${loadStart.toFixed(1)}-${loadavg()[0]!.toFixed(1)}`;
      const fps = rounds.map((rs) => median(rs.map((x) => x.facesPerSecond)));
      const aucs = engines.map((e, i) => auc(e, photos, rounds[i]![0]!.subjects));
      const section = 'peer';
      const humanFps = { name: human.label, value: fps[0]! };
      const humanAuc = { name: human.label, value: aucs[0]!.auc };
      const found = (i: number): string => `subject found in ${rounds[i]![0]!.subjects.filter((x) => x !== undefined).length}/${photos.frames.length} photos`;
      /** Per-round ratio to human: median and min-max. */
      const ratios = (i: number): { median: number; min: number; max: number } => {
        const r = rounds[i]!.map((x, k) => x.facesPerSecond / rounds[0]![k]!.facesPerSecond);
        return { median: median(r), min: Math.min(...r), max: Math.max(...r) };
      };
      const out: BenchRow[] = [
        { section, name: `${human.label}: faces/s detect+embed`, value: fps[0]!, unit: 'faces/s', note: `${rounds[0]![0]!.faces} faces/round, median of ${peerRounds}; ${load}` },
      ];
      const targets = ['>= 10', '>= 10', '>= 15', '>= 15'];
      for (let i = 1; i < engines.length; i++) {
        const r = ratios(i);
        out.push({
          section,
          name: `${engines[i]!.label}: faces/s`,
          value: fps[i]!,
          unit: 'faces/s',
          baseline: humanFps,
          better: 'higher',
          target: targets[i - 1]!,
          note: `per-round ratio median ${r.median.toFixed(2)}x (min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)}), ${peerRounds} rounds; ${found(i)}; ${context.threads} threads; ${load}`,
        });
      }
      out.push({ section, name: `${human.label}: dev-pair AUC`, value: aucs[0]!.auc, unit: 'AUC', note: `${aucs[0]!.missed} pairs without a face` });
      for (let i = 1; i < engines.length; i++) {
        out.push({ section, name: `${engines[i]!.label}: dev-pair AUC`, value: aucs[i]!.auc, unit: 'AUC', baseline: humanAuc, better: 'higher', target: '>= 1', note: `${aucs[i]!.missed} pairs without a face` });
      }
      return out;
    } finally {
      for (const e of engines) await e.dispose();
    }
  },
};
export default provider;
