/**
 * createFacePipeline: the SDK's stages, opened up and sharing one set of loaded sessions, for
 * callers that must not run every stage on every frame. The agent detects every frame but
 * embeds only faces a track needs; the gallery re-embeds stored crops with a new model (embed
 * only); the quantizer calibrates on aligned crops (detect + align only). createFaceAnalyzer()
 * is this pipeline with the stages called in order.
 *
 * Frames of reference (STYLE.md #13): detect() returns boxes and landmarks in the pixels of the
 * frame it was given; align() reads that same frame. Only loadFrame() may downscale an
 * oversized Frame, and it says by how much, so analyze() maps results back once.
 */
import { alignFace, type AlignedFace } from '../align/index.ts';
import { confirmFaces } from '../detect/face-gate.ts';
import { checkFaces } from './face-check.ts';
import type { Detection, DetectOptions, FivePoints } from '../detect/types.ts';
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';
import { ensureOpenCV } from '../image/index.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { assessQuality, type QualityVerdict } from '../quality/index.ts';
import { prepareInput, type PreparedFrame } from './input.ts';
import { loadStages, type ModelRole, type PipelineStage } from './load-models.ts';
import { ANALYZER_DEFAULTS, parseAnalyzerOptions, type FaceAnalyzerOptions } from './options.ts';
import type { AnalyzeInput } from './types.ts';

/** Options of createFacePipeline: the analyzer's, plus which model stages to load. */
export interface FacePipelineOptions extends FaceAnalyzerOptions {
  /**
   * Which model stages to load. Default: detect and embed, plus liveness when `liveness` is
   * true. ['embed'] loads only the recognizer (re-embedding stored crops); ['detect'] only the
   * detector (calibration crops, probing a recognizer).
   */
  readonly stages?: readonly PipelineStage[];
}

/**
 * The analyzer's stages opened up over shared sessions: load a frame, detect, align, judge
 * quality, embed and score liveness separately.
 */
export interface FacePipeline {
  /** Model ids in use, by role (detect, landmarks, embed, liveness); only loaded stages appear. */
  readonly models: Readonly<Record<string, string>>;
  /** Manifests of the loaded models, by role: embeddingSize, recommended threshold, ... */
  readonly manifests: Readonly<Partial<Record<ModelRole, ModelManifest>>>;
  /** The stages this pipeline loaded. */
  readonly stages: readonly PipelineStage[];
  /** Side of the aligned crop the recognizer takes (112 for ArcFace models). */
  readonly cropSizePx: number;
  /** Length of each embedding; undefined when the embed stage is not loaded. */
  readonly embeddingSize: number | undefined;
  /**
   * A path, encoded bytes or a Frame, as one validated BGR frame. Encoded images above
   * `maxImagePixels` are refused before decoding; an oversized Frame is downscaled, and
   * scaleX/scaleY map its coordinates back to the caller's pixels.
   */
  loadFrame(input: AnalyzeInput, options?: { readonly reduce?: boolean }): Promise<PreparedFrame>;
  // reduce: true lets a large JPEG be decoded at 1/2, 1/4 or 1/8 (when the decodeReduced option,
  // default on, allows it); `reduced` in the result says it was. Off by default: a caller that
  // aligns crops from the frame must check reducedFrameServes() first, as analyze() does.
  /**
   * Whether faces found in a frame loadFrame() decoded reduced can be aligned from it: every box's
   * shorter side at least REDUCED_FACE_CROPS crop sides. When not, load it again with
   * { reduce: false } and map the detections by the ratio of the two scales (analyze() does).
   */
  reducedFrameServes(faces: readonly Detection[]): boolean;
  /** Faces in `frame`, highest score first, in `frame`'s pixels. */
  detect(frame: Frame, options?: DetectOptions): Promise<Detection[]>;
  /**
   * The face with its 68 pose landmarks (what detect() adds unless called with pose: false), for
   * assessQuality's head pose; the face unchanged when the pipeline has no pose landmark model.
   */
  locatePose(frame: Frame, face: Detection): Promise<Detection>;
  /** The face's ArcFace crop (cropSizePx square) cut from the same frame detect() saw. */
  align(frame: Frame, face: Detection | FivePoints): AlignedFace;
  /** Quality verdict of a detection and its aligned crop (thresholds from the options). */
  assessQuality(face: Detection, crop: Frame): QualityVerdict;
  /** One unit-length embedding per crop, batched up to the session's batch limit. */
  embed(crops: readonly Frame[]): Promise<Float32Array[]>;
  /** The same, each with its raw (pre-normalisation) norm: a quality signal for ArcFace-family models. */
  embedWithNorms(crops: readonly Frame[]): Promise<{ embedding: Float32Array; norm: number }[]>;
  /** P(real) per box (liveness stage only). */
  liveness(frame: Frame, faces: readonly Detection[]): Promise<number[]>;
  /** Cumulative raw model time and runs per role, for benchmarks, and where each model runs. */
  modelStats(): Record<string, { runs: number; totalRunMs: number; target: string }>;
  /** Releases every loaded session in reverse order; idempotent. */
  dispose(): Promise<void>;
}

/**
 * A reduced JPEG keeps its longer side at least this: the detectors letterbox to 640 (SCRFD,
 * YuNet), so a frame this large is still scaled down into the input and detection sees the same
 * resolution as from the full decode.
 */
export const REDUCED_MIN_LONG_SIDE_PX = 640;

/**
 * A face must be at least this many crop sides (2 x 112 px) in the reduced frame for its crop to
 * come from it: the warp then still downsamples, as from the full frame (issue 26).
 */
export const REDUCED_FACE_CROPS = 2;

function notLoaded(stage: PipelineStage, loaded: readonly PipelineStage[]): ArcEdgeError {
  return new ArcEdgeError('STAGE_NOT_LOADED', `the ${stage} stage was not loaded by this pipeline (loaded: ${loaded.join(', ') || 'none'})`, {
    fix: `create the pipeline with stages: [${[...loaded, stage].map((s) => `'${s}'`).join(', ')}]${stage === 'liveness' ? " (or liveness: true) and a set with a liveness model" : ''}`,
    details: { stage, loaded },
  });
}

function isDetection(face: Detection | FivePoints): face is Detection {
  return !Array.isArray(face) && 'landmarks' in face;
}

/** Loads the stages once; every method shares them. */
export async function createFacePipeline(options: FacePipelineOptions): Promise<FacePipeline> {
  const { stages: wantedStages, ...analyzerOptions } = options;
  const parsed = parseAnalyzerOptions(analyzerOptions);
  // Before any model download: a machine without the OpenCV binding learns the fix at once.
  ensureOpenCV();
  const stages = resolveStages(wantedStages, parsed.liveness ?? ANALYZER_DEFAULTS.liveness);
  const backend = { ...ANALYZER_DEFAULTS.backend, ...parsed.backend };
  const maxImagePixels = parsed.maxImagePixels ?? ANALYZER_DEFAULTS.maxImagePixels;
  // Only worth it when detection runs on the frame: embed-only pipelines are given crops.
  const reduceDecode = (parsed.decodeReduced ?? ANALYZER_DEFAULTS.decodeReduced) && stages.includes('detect');
  const loaded = await loadStages(parsed, backend, stages);
  const { detector, verifier, checker, checkLandmarks, poseLandmarks, embedder, liveness } = loaded;
  const cropSizePx = embedder?.cropSize.width ?? 112;
  let disposed = false;
  const live = (): void => {
    if (disposed) {
      throw new ArcEdgeError('BACKEND_DISPOSED', 'the face pipeline was used after dispose()', {
        fix: 'create a new one with createFacePipeline(); dispose() releases its models for good',
      });
    }
  };

  return {
    models: loaded.modelIds,
    manifests: loaded.manifests,
    stages,
    cropSizePx,
    embeddingSize: embedder?.size,
    loadFrame: (input, loadOptions) => prepareInput(input, maxImagePixels, loadOptions?.reduce === true && reduceDecode ? REDUCED_MIN_LONG_SIDE_PX : 0),
    reducedFrameServes: (faces) => faces.every((f) => Math.min(f.box.x2 - f.box.x1, f.box.y2 - f.box.y1) >= REDUCED_FACE_CROPS * cropSizePx),
    async detect(frame, detectOptions) {
      live();
      if (!detector) throw notLoaded('detect', stages);
      const found = await detector.detect(frame, detectOptions);
      // Second-stage check (options.faceGate): an independent detector must confirm each face.
      const confirmed = verifier ? await confirmFaces(frame, found, verifier, parsed.faceGate) : found;
      // Face check (options.faceCheck): the recognizer must read each crop as a face.
      const faces = checker ? await checkFaces(frame, confirmed, checker, checkLandmarks, parsed.faceCheck || {}) : confirmed;
      if (!poseLandmarks || detectOptions?.pose === false) return faces;
      // 68 points per face for the pose fit (~0.3 ms each on a quiet machine, one model run per
      // face). UltraFace located them already inside its detector; running the pose copy again
      // keeps the detectors untouched.
      const out: Detection[] = [];
      for (const face of faces) out.push({ ...face, landmarks68: await poseLandmarks.locate(frame, face.box) });
      return out;
    },
    async locatePose(frame, face) {
      live();
      if (!poseLandmarks || face.landmarks68) return face;
      return { ...face, landmarks68: await poseLandmarks.locate(frame, face.box) };
    },
    align(frame, face) {
      live();
      return alignFace(frame, isDetection(face) ? face.landmarks : face, cropSizePx);
    },
    assessQuality(face, crop) {
      return assessQuality({ box: face.box, score: face.score, landmarks: face.landmarks, landmarks68: face.landmarks68, crop }, parsed.quality);
    },
    async embed(crops) {
      live();
      if (!embedder) throw notLoaded('embed', stages);
      return embedder.embed(crops);
    },
    async embedWithNorms(crops) {
      live();
      if (!embedder) throw notLoaded('embed', stages);
      return embedder.embedWithNorms(crops);
    },
    async liveness(frame, faces) {
      live();
      if (!liveness) throw notLoaded('liveness', stages);
      return liveness.score(frame, faces.map((f) => f.box));
    },
    modelStats() {
      const out: Record<string, { runs: number; totalRunMs: number; target: string }> = {};
      for (const [role, session] of loaded.sessions) out[role] = { runs: session.stats.runs, totalRunMs: session.stats.totalRunMs, target: session.target };
      return out;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await loaded.dispose();
    },
  };
}

const ALL_STAGES: readonly PipelineStage[] = ['detect', 'embed', 'liveness'];

function resolveStages(wanted: readonly PipelineStage[] | undefined, liveness: boolean): PipelineStage[] {
  if (wanted === undefined) return liveness ? ['detect', 'embed', 'liveness'] : ['detect', 'embed'];
  const unknown = wanted.filter((s) => !ALL_STAGES.includes(s));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new ArcEdgeError('CONFIG_INVALID', `stages ${JSON.stringify(wanted)} is not a non-empty list of ${ALL_STAGES.join(', ')}`, {
      fix: "e.g. stages: ['detect', 'embed'] (the default), ['embed'] to re-embed stored crops, ['detect'] for detection and alignment only",
      details: { unknown },
    });
  }
  const set = new Set(wanted);
  if (liveness) set.add('liveness');
  return ALL_STAGES.filter((s) => set.has(s));
}
