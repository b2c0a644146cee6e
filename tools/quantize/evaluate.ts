/**
 * The damage report's measurements, FP32 and quantized side by side in the same process:
 * embedding cosine on held-back faces, verification AUC and TAR@FAR on labelled pairs, CPU
 * latency (runs interleaved so both models see the same machine load), per-layer error, and
 * onnxruntime's per-op profile (which kernels ran, and where the time went).
 */
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compare, createEmbedder, loadSession, type Frame, type ModelManifest } from '../../sdk/index.ts';
import type { FaceCrop } from './calibration-data.ts';
import type { CalibrationFeeds } from './activation-stats.ts';
import type { Model } from './onnx-io.ts';
import { withTempSession } from './temp-session.ts';
// One implementation of the verification metrics for every tool (arcedge eval owns them).
import { acceptRate, aucMannWhitney, thresholdAtFar } from '../eval/metrics.ts';

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly p1: number;
  readonly min: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, mean, p1: sorted[Math.floor(0.01 * (sorted.length - 1))] ?? NaN, min: sorted[0] ?? NaN };
}

export interface Verification {
  readonly pairs: { same: number; different: number };
  readonly auc: number;
  readonly tarAtFar1e3: number;
}

function verification(embeddings: readonly Float32Array[], identities: readonly (string | undefined)[]): Verification | undefined {
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < embeddings.length; i++) {
    for (let j = i + 1; j < embeddings.length; j++) {
      if (identities[i] === undefined || identities[j] === undefined) continue;
      (identities[i] === identities[j] ? same : different).push(compare(embeddings[i]!, embeddings[j]!));
    }
  }
  if (same.length === 0 || different.length === 0) return undefined;
  return { pairs: { same: same.length, different: different.length }, auc: aucMannWhitney(same, different), tarAtFar1e3: acceptRate(same, thresholdAtFar(different, 1e-3)) };
}

export interface Accuracy {
  readonly faces: number;
  readonly cosine: Summary;
  readonly fp32?: Verification;
  readonly quantized?: Verification;
}

/** Embeds the held-back faces with both models through the SDK's embedder (manifest preprocessing). */
export async function compareEmbeddings(fp32Path: string, quantizedPath: string, manifest: ModelManifest, faces: readonly FaceCrop[]): Promise<Accuracy> {
  const crops = faces.map((f) => f.crop);
  const embed = async (path: string): Promise<Float32Array[]> => {
    const embedder = createEmbedder(manifest, await loadSession(path));
    try {
      return await embedder.embed(crops);
    } finally {
      await embedder.dispose();
    }
  };
  const a = await embed(fp32Path);
  const b = await embed(quantizedPath);
  const identities = faces.map((f) => f.identity);
  return { faces: faces.length, cosine: summarize(a.map((v, i) => compare(v, b[i]!))), fp32: verification(a, identities), quantized: verification(b, identities) };
}

export interface Latency {
  readonly fp32Ms: number;
  readonly quantizedMs: number;
  readonly speedup: number;
  readonly runs: number;
}

const median = (values: number[]): number => values.sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** Median ms of one batch-1 run, the two models alternating run by run. */
export async function measureLatency(fp32Path: string, quantizedPath: string, manifest: ModelManifest, crop: Frame, runs = 40): Promise<Latency> {
  const embedders = [createEmbedder(manifest, await loadSession(fp32Path)), createEmbedder(manifest, await loadSession(quantizedPath))];
  try {
    const times: number[][] = [[], []];
    for (let r = 0; r < runs + 5; r++) {
      for (const [i, e] of embedders.entries()) {
        const start = performance.now();
        await e.embed([crop]);
        if (r >= 5) times[i]!.push(performance.now() - start); // 5 warm-up runs
      }
    }
    const [fp32Ms, quantizedMs] = times.map(median) as [number, number];
    return { fp32Ms, quantizedMs, speedup: fp32Ms / quantizedMs, runs };
  } finally {
    for (const e of embedders) await e.dispose();
  }
}

export interface LayerError {
  readonly tensor: string;
  /** ||quantized - fp32|| / ||fp32|| over the sample crops. */
  readonly relativeError: number;
}

/** Per-layer relative L2 error of the named tensors (they keep their names in the quantized graph). */
export async function layerErrors(fp32: Model, quantized: Model, tensors: readonly string[], feeds: CalibrationFeeds): Promise<LayerError[]> {
  const run = (model: Model): Promise<Map<string, Float32Array[]>> =>
    withTempSession(
      model,
      async (session) => {
        const out = new Map<string, Float32Array[]>(tensors.map((t) => [t, []]));
        for (const sample of feeds.samples) {
          const result = await session.run({ [feeds.inputName]: { type: 'float32', data: sample, dims: feeds.dims } });
          for (const t of tensors) if (result[t]) out.get(t)!.push(result[t]!.data as Float32Array);
        }
        return out;
      },
      { exposing: tensors.filter((t) => t !== feeds.inputName) },
    );
  const a = await run(fp32);
  const b = await run(quantized);
  return tensors.flatMap((tensor) => {
    const xs = a.get(tensor) ?? [];
    const ys = b.get(tensor) ?? [];
    if (xs.length === 0 || ys.length !== xs.length) return [];
    let error = 0, signal = 0;
    xs.forEach((x, s) => {
      const y = ys[s]!;
      for (let i = 0; i < x.length; i++) (error += (x[i]! - y[i]!) ** 2), (signal += x[i]! ** 2);
    });
    return [{ tensor, relativeError: Math.sqrt(error / Math.max(signal, 1e-30)) }];
  });
}

export interface OpTime {
  readonly op: string;
  readonly nodes: number;
  readonly msPerRun: number;
}

/** onnxruntime's own per-op kernel times for one model: which kernels ran, and for how long. */
export async function profileOps(modelPath: string, manifest: ModelManifest, crop: Frame, runs = 20): Promise<OpTime[]> {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-profile-'));
  try {
    const embedder = createEmbedder(manifest, await loadSession(modelPath, { profileFilePrefix: join(dir, 'ort') }));
    for (let r = 0; r < runs; r++) await embedder.embed([crop]);
    await embedder.dispose(); // writes the profile
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) return [];
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat?: string; name?: string; dur?: number; args?: { op_name?: string } }[];
    const byOp = new Map<string, { us: number; nodes: Set<string> }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name) continue;
      const entry = byOp.get(e.args.op_name) ?? { us: 0, nodes: new Set() };
      entry.us += e.dur ?? 0;
      entry.nodes.add(e.name);
      byOp.set(e.args.op_name, entry);
    }
    return [...byOp]
      .map(([op, { us, nodes }]) => ({ op, nodes: nodes.size, msPerRun: us / 1000 / runs }))
      .sort((x, y) => y.msPerRun - x.msPerRun);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
