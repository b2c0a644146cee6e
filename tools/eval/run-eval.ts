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
import { compare, createFacePipeline, DEFAULT_SUBJECT_RULE, selectSubject, type FacePipeline, type FacePipelineOptions, type Frame, type QualityMetrics, type SubjectRule } from '../../sdk/index.ts';
import { sha256Hex } from '../../sdk/internal.ts';
import { cacheKey, openEmbeddingCache, type EmbeddingCache } from './embedding-cache.ts';
import { combineByRank, errorVersusReject, type ErcResult, type QualityPair } from './erc.ts';
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
  /** Error-versus-reject per quality signal (null without both kinds of pairs). */
  readonly erc: ErcResult | null;
  readonly scored: readonly ScoredPair[];
  /** Images decoded+embedded in this run (the rest came from the cache). */
  readonly computed: number;
}


interface Member {
  readonly spec: ModelSpec;
  readonly pipeline: FacePipeline;
  readonly cache: EmbeddingCache;
  /** Face count and quality signals per image (INFO_FIELDS), beside the embeddings: cached runs still report them. */
  readonly info: EmbeddingCache;
  /** Pipelines with the same detector (and landmark model) share one detection. */
  readonly detectorKey: string;
  computed: number;
}

/** Per image, beside its embedding: [face count, yaw, pitch, roll, blur, size px, detection score, embedding norm]. */
const INFO_FIELDS = ['faces', 'yaw', 'pitch', 'roll', 'blur', 'size', 'score', 'norm'] as const;

interface SubjectFace {
  readonly crop: Frame | null;
  readonly faces: number;
  readonly quality: QualityMetrics | null;
}

async function subjectCrop(pipeline: FacePipeline, frame: Frame, rule: SubjectRule): Promise<SubjectFace> {
  const faces = await pipeline.detect(frame);
  const chosen = selectSubject(faces, frame, rule);
  if (chosen.length !== 1) return { crop: null, faces: faces.length, quality: null };
  const crop = pipeline.align(frame, chosen[0]!).crop;
  return { crop, faces: faces.length, quality: pipeline.assessQuality(chosen[0]!, crop).metrics };
}

async function openMembers(options: EvalOptions): Promise<Member[]> {
  const members: Member[] = [];
  try {
    for (const spec of options.models) {
      const pipeline = await createFacePipeline({ ...spec.options, stages: ['detect', 'embed'] });
      const sha = (role: 'detect' | 'landmarks' | 'embed') => pipeline.manifests[role]?.sha256 ?? null;
      // The face check decides which faces exist, so it is part of the detection's identity.
      const detectorKey = JSON.stringify({ detect: sha('detect'), landmarks: sha('landmarks'), options: spec.options.detect ?? null, check: pipeline.models.check ? (spec.options.faceCheck ?? {}) : null });
      const subject = options.subject ?? DEFAULT_SUBJECT_RULE;
      const key = cacheKey({ detectorKey, embed: sha('embed'), flip: spec.options.flipTTA ?? false, ...(subject === 'largest' ? {} : { subject }) });
      const info = openEmbeddingCache(options.cacheDir, cacheKey({ key, info: INFO_FIELDS }));
      members.push({ spec, pipeline, detectorKey, cache: openEmbeddingCache(options.cacheDir, key), info, computed: 0 });
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
    const infos = members.map(() => new Array<Float32Array>(input.images.length).fill(new Float32Array(INFO_FIELDS.length).fill(NaN)));
    for (const [i, image] of input.images.entries()) {
      const bytes = typeof image.source === 'string' ? new Uint8Array(readFileSync(image.source)) : image.source;
      const sha = sha256Hex(bytes);
      const todo = members.filter((m, mi) => {
        const hit = m.cache.get(sha);
        const known = m.info.get(sha);
        if (hit !== undefined && known) (embeddings[mi]![i] = hit), (infos[mi]![i] = known);
        return hit === undefined || !known;
      });
      if (todo.length > 0) {
        const { frame } = await members[0]!.pipeline.loadFrame(bytes); // decoded once for every set
        const crops = new Map<string, SubjectFace>();
        for (const m of todo) {
          if (!crops.has(m.detectorKey)) crops.set(m.detectorKey, await subjectCrop(m.pipeline, frame, options.subject ?? DEFAULT_SUBJECT_RULE));
          const { crop, faces, quality } = crops.get(m.detectorKey)!;
          const embedded = crop ? (await m.pipeline.embedWithNorms([crop]))[0]! : null;
          const q = quality;
          const info = Float32Array.of(faces, q?.yawDeg ?? NaN, q?.pitchDeg ?? NaN, q?.rollDeg ?? NaN, q?.blurVariance ?? NaN, q?.faceSizePx ?? NaN, q?.detectionScore ?? NaN, embedded?.norm ?? NaN);
          m.cache.set(sha, embedded?.embedding ?? null);
          m.info.set(sha, info);
          m.computed++;
          embeddings[members.indexOf(m)]![i] = embedded?.embedding ?? null;
          infos[members.indexOf(m)]![i] = info;
        }
      }
      options.onImage?.(i + 1, input.images.length);
    }
    for (const m of members) m.cache.save(), m.info.save();
    return members.map((m, mi) => summarise(input, m, embeddings[mi]!, infos[mi]!));
  } finally {
    for (const m of members.reverse()) await m.pipeline.dispose();
  }
}

/**
 * The quality signals ERC compares, per image, higher = better: pose (the larger of |yaw| and
 * |pitch|, negated), blur (Laplacian variance), size, detection score, the recognizer's raw
 * embedding norm, and all five combined by mean rank.
 */
export function qualitySignals(infos: readonly Float32Array[]): Record<string, number[]> {
  const field = (name: (typeof INFO_FIELDS)[number]) => infos.map((v) => v[INFO_FIELDS.indexOf(name)]!);
  const yaw = field('yaw'), pitch = field('pitch');
  const signals: Record<string, number[]> = {
    pose: yaw.map((y, i) => -Math.max(Math.abs(y), Math.abs(pitch[i]!))),
    blur: field('blur'),
    size: field('size'),
    'detection score': field('score'),
    'embedding norm': field('norm'),
  };
  return { ...signals, combined: combineByRank(signals) };
}

function summarise(input: EvalInput, member: Member, vectors: readonly (Float32Array | null)[], infos: readonly Float32Array[]): ModelResult {
  const scored: ScoredPair[] = [];
  const qualityPairs: QualityPair[] = [];
  let noFacePairs = 0;
  for (const pair of input.pairs) {
    const a = vectors[pair.a];
    const b = vectors[pair.b];
    if (a && b) {
      const score = compare(a, b);
      scored.push({ score, same: pair.same });
      qualityPairs.push({ a: pair.a, b: pair.b, score, same: pair.same });
    } else noFacePairs++;
  }
  const faceCounts = infos.map((v) => v[0]!);
  const hasBoth = qualityPairs.some((p) => p.same) && qualityPairs.some((p) => !p.same);
  const erc = hasBoth ? errorVersusReject(qualityPairs, qualitySignals(infos)) : null;
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
    erc,
    scored,
    computed: member.computed,
  };
}
