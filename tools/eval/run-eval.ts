/**
 * The evaluation itself: every image decoded once, detected once per distinct detector, and
 * embedded once per model set (pipelines from createFacePipeline, so several sets compare in
 * one run on shared decoding and detection), then the pairs scored and measured.
 *
 * The face taken from each image is the subject by the one rule (selectSubject: insightface's
 * area minus twice the squared offset from the image centre by default; `largest`, or `all`,
 * which leaves an image with several faces unscored); images with more than one face are counted
 * (`multiFace`), since that is where the rule matters. Tight crops need nothing special (the detectors pad frame-filling faces themselves: sdk/detect/two-pass.ts).
 * Images without a face are counted, and their pairs are reported as `noFacePairs`, never
 * silently dropped from the count.
 */
import { readFileSync } from 'node:fs';
import { compare, createFacePipeline, DEFAULT_SUBJECT_RULE, selectSubject, type FacePipeline, type FacePipelineOptions, type Frame, type SubjectRule } from '../../sdk/index.ts';
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
  /** Which face of an image with several (default centre). */
  readonly subject?: SubjectRule;
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
  /** Images in which the detector found more than one face (the subject rule chose one, or `all` left it unscored). */
  readonly multiFace: number;
  readonly multiFaceImages: readonly string[];
  readonly scored: readonly ScoredPair[];
  /** Images decoded+embedded in this run (the rest came from the cache). */
  readonly computed: number;
}


interface Member {
  readonly spec: ModelSpec;
  readonly pipeline: FacePipeline;
  readonly cache: EmbeddingCache;
  /** Face count per image (a one-element vector), beside the embeddings: cached runs still report multi-face images. */
  readonly faceCounts: EmbeddingCache;
  /** Pipelines with the same detector (and landmark model) share one detection. */
  readonly detectorKey: string;
  computed: number;
}

async function subjectCrop(pipeline: FacePipeline, frame: Frame, rule: SubjectRule): Promise<{ crop: Frame | null; faces: number }> {
  const faces = await pipeline.detect(frame);
  const chosen = selectSubject(faces, frame, rule);
  return { crop: chosen.length === 1 ? pipeline.align(frame, chosen[0]!).crop : null, faces: faces.length };
}

async function openMembers(options: EvalOptions): Promise<Member[]> {
  const members: Member[] = [];
  try {
    for (const spec of options.models) {
      const pipeline = await createFacePipeline({ ...spec.options, stages: ['detect', 'embed'] });
      const sha = (role: 'detect' | 'landmarks' | 'embed') => pipeline.manifests[role]?.sha256 ?? null;
      const detectorKey = JSON.stringify({ detect: sha('detect'), landmarks: sha('landmarks'), options: spec.options.detect ?? null });
      const subject = options.subject ?? DEFAULT_SUBJECT_RULE;
      const key = cacheKey({ detectorKey, embed: sha('embed'), flip: spec.options.flipTTA ?? false, ...(subject === 'largest' ? {} : { subject }) });
      const faceCounts = openEmbeddingCache(options.cacheDir, cacheKey({ detectorKey, faceCounts: true }));
      members.push({ spec, pipeline, detectorKey, cache: openEmbeddingCache(options.cacheDir, key), faceCounts, computed: 0 });
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
    const faceCounts = members.map(() => new Array<number>(input.images.length).fill(0));
    for (const [i, image] of input.images.entries()) {
      const bytes = typeof image.source === 'string' ? new Uint8Array(readFileSync(image.source)) : image.source;
      const sha = sha256Hex(bytes);
      const todo = members.filter((m, mi) => {
        const hit = m.cache.get(sha);
        const count = m.faceCounts.get(sha);
        if (hit !== undefined && count) (embeddings[mi]![i] = hit), (faceCounts[mi]![i] = count[0]!);
        return hit === undefined || !count;
      });
      if (todo.length > 0) {
        const { frame } = await members[0]!.pipeline.loadFrame(bytes); // decoded once for every set
        const crops = new Map<string, { crop: Frame | null; faces: number }>();
        for (const m of todo) {
          if (!crops.has(m.detectorKey)) crops.set(m.detectorKey, await subjectCrop(m.pipeline, frame, options.subject ?? DEFAULT_SUBJECT_RULE));
          const { crop, faces } = crops.get(m.detectorKey)!;
          const vector = crop ? (await m.pipeline.embed([crop]))[0]! : null;
          m.cache.set(sha, vector);
          m.faceCounts.set(sha, Float32Array.of(faces));
          m.computed++;
          embeddings[members.indexOf(m)]![i] = vector;
          faceCounts[members.indexOf(m)]![i] = faces;
        }
      }
      options.onImage?.(i + 1, input.images.length);
    }
    for (const m of members) m.cache.save(), m.faceCounts.save();
    return members.map((m, mi) => summarise(input, m, embeddings[mi]!, faceCounts[mi]!));
  } finally {
    for (const m of members.reverse()) await m.pipeline.dispose();
  }
}

function summarise(input: EvalInput, member: Member, vectors: readonly (Float32Array | null)[], faceCounts: readonly number[]): ModelResult {
  const scored: ScoredPair[] = [];
  let noFacePairs = 0;
  for (const pair of input.pairs) {
    const a = vectors[pair.a];
    const b = vectors[pair.b];
    if (a && b) scored.push({ score: compare(a, b), same: pair.same });
    else noFacePairs++;
  }
  const noFaceImages = input.images.filter((_, i) => vectors[i] === null).map((im) => im.name);
  const multiFaceImages = input.images.filter((_, i) => faceCounts[i]! > 1).map((im) => im.name);
  return {
    label: member.spec.label,
    models: member.pipeline.models,
    metrics: verificationMetrics(scored),
    noFace: noFaceImages.length,
    noFaceImages,
    noFacePairs,
    multiFace: multiFaceImages.length,
    multiFaceImages,
    scored,
    computed: member.computed,
  };
}
