/**
 * Scores one recognizer under several preprocessing candidates on the same aligned crops: the
 * core of `arcedge models probe`, and of the test that each shipped manifest's declared
 * preprocessing beats the alternatives.
 */
import { compare, createEmbedder, type Frame, type InferenceSession, type ModelManifest, type ProbeResult } from '../../sdk/index.ts';
import type { LabelledPair } from '../eval/labelled-faces.ts';
import { decidability, tarAtLowestFar, type PairScoreLists } from '../eval/metrics.ts';
import { variantLabel, withVariant, type Variant } from './variants.ts';

export interface ScoredPairs extends PairScoreLists {
  /** Pairs where either image has no crop (grey or no face). */
  readonly skipped: number;
}

/** Cosine scores of every pair whose two images have crops, under `manifest`'s preprocessing. */
export async function scorePairs(
  manifest: ModelManifest,
  session: InferenceSession,
  crops: readonly (Frame | null)[],
  pairs: readonly LabelledPair[],
): Promise<ScoredPairs> {
  // The session outlives this embedder (one session, many candidates): never dispose it here.
  // One crop per run: on onnxruntime CPU, paddle_128's dynamic batch costs more per crop as the
  // batch grows (34 crops, 2 threads: 278 ms at batch 1, 1181 ms at batch 16; measured).
  const embedder = createEmbedder(manifest, session, { chunkSize: 1 });
  const present = crops.flatMap((c, i) => (c ? [i] : []));
  const vectors = await embedder.embed(present.map((i) => crops[i]!));
  const byImage = new Map(present.map((i, k) => [i, vectors[k]!]));
  const same: number[] = [];
  const different: number[] = [];
  let skipped = 0;
  for (const p of pairs) {
    const a = byImage.get(p.a);
    const b = byImage.get(p.b);
    if (!a || !b) skipped++;
    else (p.same ? same : different).push(compare(a, b));
  }
  return { same, different, skipped };
}

export interface MeasuredVariant extends ProbeResult {
  readonly label: string;
  readonly samePairs: number;
  readonly differentPairs: number;
}

/** d' and TAR for each candidate, best d' first. */
export async function measureVariants(
  manifest: ModelManifest,
  session: InferenceSession,
  crops: readonly (Frame | null)[],
  pairs: readonly LabelledPair[],
  variants: readonly Variant[],
): Promise<MeasuredVariant[]> {
  const rows: MeasuredVariant[] = [];
  for (const v of variants) {
    const scores = await scorePairs(withVariant(manifest, v), session, crops, pairs);
    rows.push({
      label: variantLabel(v),
      colorOrder: v.colorOrder,
      normalisation: v.normalisation,
      mean: v.mean.map((x) => Math.round(x * 1e4) / 1e4),
      std: v.std.map((x) => Math.round(x * 1e4) / 1e4),
      dPrime: decidability(scores),
      tar: tarAtLowestFar(scores),
      samePairs: scores.same.length,
      differentPairs: scores.different.length,
    });
  }
  return rows.sort((a, b) => b.dPrime - a.dPrime);
}

/** d' of the best candidate minus d' of the best candidate with the other channel order. */
export function orderMargin(rows: readonly MeasuredVariant[]): number {
  const best = rows[0]!;
  const other = rows.find((r) => r.colorOrder !== best.colorOrder);
  return other ? best.dPrime - other.dPrime : Number.POSITIVE_INFINITY;
}
