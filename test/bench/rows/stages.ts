/**
 * Per-stage rows: ms per analyze() call for each stage, each against its raw model time
 * (InferenceSession.stats: the runtime's own run calls), and the whole call against the sum of
 * model time. 1.00 would mean every millisecond is spent inside the runtime. "pipeline" feeds
 * decoded frames (what the agent does with camera frames; target <= 1.10); "with decode" feeds
 * encoded bytes, so JPEG/PNG decoding counts as overhead too. Stages without a model
 * (decode, align, quality) are shown as a share of the whole call.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createFaceAnalyzer, readImage, type AnalyzerStats, type FaceAnalyzerOptions, type Frame } from '../../../sdk/index.ts';
import { defaultSet, SCRFD_FR512, SCRFD_PADDLE128 } from '../../analyzer/model-sets.ts';
import { overheadPhotos } from '../photos.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

async function measure(options: FaceAnalyzerOptions, inputs: { bytes: Uint8Array[]; frames: Frame[] }, context: BenchContext): Promise<Record<'pipeline' | 'decode', AnalyzerStats>> {
  const analyzer = await createFaceAnalyzer({ ...options, backend: { threads: context.threads } });
  try {
    for (const frame of inputs.frames.slice(0, 3)) await analyzer.analyze(frame); // warm-up: first runs allocate
    const out: Partial<Record<'pipeline' | 'decode', AnalyzerStats>> = {};
    for (const [mode, list] of [['pipeline', inputs.frames], ['decode', inputs.bytes]] as const) {
      analyzer.resetStats();
      for (let r = 0; r < context.rounds; r++) for (const input of list) await analyzer.analyze(input);
      out[mode] = analyzer.stats();
    }
    return out as Record<'pipeline' | 'decode', AnalyzerStats>;
  } finally {
    await analyzer.dispose();
  }
}

function rows(label: string, s: Record<'pipeline' | 'decode', AnalyzerStats>): BenchRow[] {
  const section = 'stages';
  const p = s.pipeline;
  const per = (ms: number, stats = p) => ms / stats.calls;
  const model = (role: string, stats = p) => per(stats.modelRunMs[role] ?? 0, stats);
  const modelSum = (stats: AnalyzerStats) => per(Object.values(stats.modelRunMs).reduce((a, b) => a + b, 0), stats);
  const total = { name: 'whole call', value: per(p.totalMs) };
  const out: BenchRow[] = [
    { section, name: `${label}: detect ms/call`, value: per(p.stageMs.detect), unit: 'ms', baseline: { name: 'detect model run', value: model('detect') + model('landmarks') }, better: 'lower' },
    { section, name: `${label}: align ms/call`, value: per(p.stageMs.align), unit: 'ms', baseline: total, better: 'lower' },
    { section, name: `${label}: quality ms/call`, value: per(p.stageMs.quality), unit: 'ms', baseline: total, better: 'lower' },
    { section, name: `${label}: embed ms/call`, value: per(p.stageMs.embed), unit: 'ms', baseline: { name: 'embed model run', value: model('embed') }, better: 'lower' },
  ];
  if (p.modelRunMs.liveness !== undefined) out.push({ section, name: `${label}: liveness ms/call`, value: per(p.stageMs.liveness), unit: 'ms', baseline: { name: 'liveness model run', value: model('liveness') }, better: 'lower' });
  out.push(
    { section, name: `${label}: decode ms/call`, value: per(s.decode.stageMs.decode, s.decode), unit: 'ms', baseline: { name: 'whole call with decode', value: per(s.decode.totalMs, s.decode) }, better: 'lower' },
    { section, name: `${label}: whole call (frames)`, value: per(p.totalMs), unit: 'ms', baseline: { name: 'sum of model runs', value: modelSum(p) }, better: 'lower', target: '<= 1.10' },
    { section, name: `${label}: whole call (with decode)`, value: per(s.decode.totalMs, s.decode), unit: 'ms', baseline: { name: 'sum of model runs', value: modelSum(s.decode) }, better: 'lower' },
  );
  return out;
}

const provider: RowProvider = {
  part: 'stages',
  async run(context) {
    const paths = overheadPhotos();
    const inputs = { bytes: paths.map((p) => new Uint8Array(readFileSync(p))), frames: await Promise.all(paths.map((p) => readImage(p))) };
    const configs: [string, () => Promise<FaceAnalyzerOptions>][] = [
      ['det_500m + fr_feature_512', async () => ({ models: SCRFD_FR512() })],
      ...(context.quick ? [] : ([['det_500m + paddle_128', async () => ({ models: SCRFD_PADDLE128() })]] as [string, () => Promise<FaceAnalyzerOptions>][])),
      ['default (+ liveness)', async () => ({ models: await defaultSet(), liveness: true })],
    ];
    const out: BenchRow[] = [];
    for (const [label, options] of configs) {
      context.log(`stages: ${label} on ${paths.length} photos x ${context.rounds} round(s)`);
      const started = performance.now();
      out.push(...rows(label, await measure(await options(), inputs, context)));
      context.log(`  ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    return out;
  },
};
export default provider;
