/**
 * The evaluation itself: every image decoded once, detected once per distinct detector, and
 * embedded once per model set (pipelines from createFacePipeline, so several sets compare in
 * one run on shared decoding and detection), then the pairs scored and measured.
 *
 * The face taken from each image is the largest one (portraits, LFW crops); tight crops need
 * nothing special (the detectors pad frame-filling faces themselves: sdk/detect/two-pass.ts).
 * Images without a face are counted, and their pairs are reported as `noFacePairs`, never
 * silently dropped from the count.
 */
import { readFileSync } from 'node:fs';
import { compare, createFacePipeline, type Detection, type FacePipeline, type FacePipelineOptions, type Frame } from '../../sdk/index.ts';
import { sha256Hex } from '../../sdk/internal.ts';
import { cacheKey, openEmbeddingCache, type EmbeddingCache } from './embedding-cache.ts';
import { verificationMetrics, type ScoredPair, type VerificationMetrics } from './metrics.ts';
import type { EvalInput } from './pairs-input.ts';

export interface ModelSpec {
  /** How the set is named in reports, e.g. "default" or "local:models@embedder=fr.onnx". */
  readonly label: string;
  readonly options: FacePipelineOptions;
}

export interface EvalOptions {
  readonly models: readonly ModelSpec[];
  /** Folder of the embedding cache; undefined: no cache on disk. */
  readonly cacheDir?: string;
  readonly onImage?: (done: number, total: number) => void;
}

export interface ModelResult {
  readonly label: string;
  readonly models: Readonly<Record<string, string>>;
  readonly metrics: VerificationMetrics;
  /** Images with no face, and the pairs that could not be scored because of them. */
  readonly noFace: number;
  readonly noFaceImages: readonly string[];
  readonly noFacePairs: number;
  readonly scored: readonly ScoredPair[];
  /** Images decoded+embedded in this run (the rest came from the cache). */
  readonly computed: number;
}

const area = (d: Detection): number => (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1);
const largest = (faces: readonly Detection[]): Detection | undefined => faces.reduce<Detection | undefined>((a, f) => (!a || area(f) > area(a) ? f : a), undefined);

interface Member {
  readonly spec: ModelSpec;
  readonly pipeline: FacePipeline;
  readonly cache: EmbeddingCache;
  /** Pipelines with the same detector (and landmark model) share one detection. */
  readonly detectorKey: string;
  computed: number;
}

async function subjectCrop(pipeline: FacePipeline, frame: Frame): Promise<Frame | null> {
  const face = largest(await pipeline.detect(frame));
  return face ? pipeline.align(frame, face).crop : null;
}

async function openMembers(options: EvalOptions): Promise<Member[]> {
  const members: Member[] = [];
  try {
    for (const spec of options.models) {
      const pipeline = await createFacePipeline({ ...spec.options, stages: ['detect', 'embed'] });
      const sha = (role: 'detect' | 'landmarks' | 'embed') => pipeline.manifests[role]?.sha256 ?? null;
      const detectorKey = JSON.stringify({ detect: sha('detect'), landmarks: sha('landmarks'), options: spec.options.detect ?? null });
      const key = cacheKey({ detectorKey, embed: sha('embed'), flip: spec.options.flipTTA ?? false });
      members.push({ spec, pipeline, detectorKey, cache: openEmbeddingCache(options.cacheDir, key), computed: 0 });
    }
    return members;
  } catch (error) {
    for (const m of members) await m.pipeline.dispose();
    throw error;
  }
}

export async function runEval(input: EvalInput, options: EvalOptions): Promise<ModelResult[]> {
  const members = await openMembers(options);
  try {
    // embeddings[m][i]: model m's vector for image i (null: no face).
    const embeddings = members.map(() => new Array<Float32Array | null>(input.images.length).fill(null));
    for (const [i, image] of input.images.entries()) {
      const bytes = typeof image.source === 'string' ? new Uint8Array(readFileSync(image.source)) : image.source;
      const sha = sha256Hex(bytes);
      const todo = members.filter((m, mi) => {
        const hit = m.cache.get(sha);
        if (hit !== undefined) embeddings[mi]![i] = hit;
        return hit === undefined;
      });
      if (todo.length > 0) {
        const { frame } = await members[0]!.pipeline.loadFrame(bytes); // decoded once for every set
        const crops = new Map<string, Frame | null>();
        for (const m of todo) {
          if (!crops.has(m.detectorKey)) crops.set(m.detectorKey, await subjectCrop(m.pipeline, frame));
          const crop = crops.get(m.detectorKey)!;
          const vector = crop ? (await m.pipeline.embed([crop]))[0]! : null;
          m.cache.set(sha, vector);
          m.computed++;
          embeddings[members.indexOf(m)]![i] = vector;
        }
      }
      options.onImage?.(i + 1, input.images.length);
    }
    for (const m of members) m.cache.save();
    return members.map((m, mi) => summarise(input, m, embeddings[mi]!));
  } finally {
    for (const m of members.reverse()) await m.pipeline.dispose();
  }
}

function summarise(input: EvalInput, member: Member, vectors: readonly (Float32Array | null)[]): ModelResult {
  const scored: ScoredPair[] = [];
  let noFacePairs = 0;
  for (const pair of input.pairs) {
    const a = vectors[pair.a];
    const b = vectors[pair.b];
    if (a && b) scored.push({ score: compare(a, b), same: pair.same });
    else noFacePairs++;
  }
  const noFaceImages = input.images.filter((_, i) => vectors[i] === null).map((im) => im.name);
  return {
    label: member.spec.label,
    models: member.pipeline.models,
    metrics: verificationMetrics(scored),
    noFace: noFaceImages.length,
    noFaceImages,
    noFacePairs,
    scored,
    computed: member.computed,
  };
}
