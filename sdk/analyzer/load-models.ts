/**
 * Model loading for the analyzer, as a readable list of steps with one owner for every session:
 * resolve the set -> pick a model per role -> load each session and check its inputs/outputs against the manifest ->
 * build the stages. If any step fails, everything loaded so far is released in reverse order
 * before the error propagates, so a failed createFaceAnalyzer() leaks nothing.
 */
import { createDetector, Landmark68 } from '../detect/index.ts';
import type { FaceDetector } from '../detect/types.ts';
import { createEmbedder, type Embedder } from '../embed/index.ts';
import { ArcEdgeError } from '../errors.ts';
import { createLivenessScorer, type LivenessScorer } from '../liveness/index.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { checkModelIo, getModelSet, listModelSets, modelSearchPath, resolveModel, resolveModelSet } from '../models/index.ts';
import { loadSession } from '../runtime/index.ts';
import type { InferenceSession, SessionOptions } from '../runtime/types.ts';
import { backendForModel } from './tensorrt-shapes.ts';
import { FACE_CHECK_MODEL } from './face-check.ts';
import { ANALYZER_DEFAULTS, type FaceAnalyzerOptions, type ResolvedModel, type ResolvedModelList } from './options.ts';

/** What a loaded model does in a pipeline; the keys of FacePipeline.manifests. */
export type ModelRole = 'detect' | 'landmarks' | 'pose' | 'verify' | 'check' | 'check-landmarks' | 'embed' | 'liveness';
/** What a pipeline can load; 'detect' brings the landmark model along when the detector needs one. */
export type PipelineStage = 'detect' | 'embed' | 'liveness';

export interface LoadedStages {
  readonly detector: FaceDetector | undefined;
  /** The face gate's second detector, when options.faceGate names one. */
  readonly verifier: FaceDetector | undefined;
  /** The face check's recognizer (options.faceCheck, opt-in), when asked for. */
  readonly checker: Embedder | undefined;
  /** The 68-point model the face check's drift test reads (the pose model's when that is loaded). */
  readonly checkLandmarks: Landmark68 | undefined;
  /** The 68-point model the quality gate's pose fit reads (its own session), when pose is 'landmarks68'. */
  readonly poseLandmarks: Landmark68 | undefined;
  readonly embedder: Embedder | undefined;
  readonly liveness: LivenessScorer | undefined;
  /** Sessions by role, for stats only: the stages own and dispose them. */
  readonly sessions: ReadonlyMap<ModelRole, InferenceSession>;
  readonly modelIds: Readonly<Record<string, string>>;
  readonly manifests: Readonly<Partial<Record<ModelRole, ModelManifest>>>;
  /** Releases every stage in reverse order of creation. */
  dispose(): Promise<void>;
}

// UltraFace predicts boxes only; its 5 points come from a second (68-point) landmark model.
const NEEDS_LANDMARK_MODEL = new Set<ModelManifest['family']>(['ultraface']);

/**
 * The model for one role: the one `use` names (by id or file name), else the first of that task
 * in set order (registry sets list their preferred model first; local:<dir> is alphabetical).
 */
function pick(
  set: ResolvedModelList,
  task: ModelManifest['task'],
  wanted: string | undefined,
  required: boolean,
  why: string,
): ResolvedModel | undefined {
  const candidates = set.models.filter((m) => m.manifest.task === task);
  const present = (): string => set.models.map((m) => `${m.manifest.id} (${m.manifest.task})`).join(', ');
  if (wanted !== undefined) {
    const chosen = candidates.find((m) => m.manifest.id === wanted || m.manifest.file === wanted);
    if (!chosen) {
      throw new ArcEdgeError('CONFIG_INVALID', `use.${task} = "${wanted}" is not a ${task} model of set "${set.name}"`, {
        fix: `pick one of: ${candidates.map((m) => m.manifest.id).join(', ') || '(none)'}. The set has: ${present()}`,
        details: { set: set.name, task, wanted },
      });
    }
    return chosen;
  }
  if (candidates.length === 0 && required) {
    throw new ArcEdgeError('CONFIG_INVALID', `model set "${set.name}" has no ${task} model; ${why}`, {
      fix: `use a set that includes one (e.g. "default"), or add a ${task} model to it. The set has: ${present()}`,
      details: { set: set.name, task },
    });
  }
  return candidates[0];
}

/** A model of the registry by id or file name (the first set that lists it), resolved like any model. */
async function registryModel(task: ModelManifest['task'], wanted: string): Promise<ResolvedModel> {
  const manifest = listModelSets().flatMap((s) => s.files).find((f) => f.task === task && (f.id === wanted || f.file === wanted));
  if (!manifest) throw new ArcEdgeError('CONFIG_INVALID', `faceGate.verifier "${wanted}" is not a ${task} model of the set or the registry`, { fix: 'name a detector id or file, e.g. "yunet-s-dynamic"' });
  return resolveModel(manifest, { searchPath: modelSearchPath() });
}

/** The face check's recognizer: the set's copy when it has the same file, else the registry's. */
async function faceCheckModel(set: ResolvedModelList): Promise<ResolvedModel> {
  const manifest = getModelSet(FACE_CHECK_MODEL.set).files.find((f) => f.id === FACE_CHECK_MODEL.id);
  if (!manifest) throw new ArcEdgeError('CONFIG_INVALID', `the registry has no ${FACE_CHECK_MODEL.id} for the face check`, { fix: 'pass faceCheck: false' });
  const own = set.models.find((m) => m.manifest.sha256 === manifest.sha256);
  if (own) return own;
  try {
    return await resolveModel(manifest, { searchPath: modelSearchPath() });
  } catch (error) {
    if (error instanceof ArcEdgeError) {
      throw new ArcEdgeError(error.code, `${error.toJSON().message} (the face check needs the recognizer ${manifest.id}, file ${manifest.file})`, {
        fix: `${error.fix} Or put ${manifest.file} on ARCEDGE_MODEL_PATH, or pass faceCheck: false to do without it.`,
        cause: error,
        ...(error.details ? { details: error.details } : {}),
      });
    }
    throw error;
  }
}

/** The registry's 68-point landmark model (the `default` set's), for sets without one. */
async function registryLandmarkModel(): Promise<ResolvedModel> {
  const manifest = getModelSet('default').files.find((f) => f.task === 'landmarks');
  if (!manifest) throw new ArcEdgeError('CONFIG_INVALID', 'the registry has no 68-point landmark model for the pose fit', { fix: "pass pose: 'five-point'" });
  try {
    return await resolveModel(manifest, { searchPath: modelSearchPath() });
  } catch (error) {
    if (error instanceof ArcEdgeError) {
      const message = error.toJSON().message;
      throw new ArcEdgeError(error.code, `${message} (the quality gate's pose fit needs the 68-point landmark model ${manifest.id}, file ${manifest.file})`, {
        fix: `${error.fix} Or put ${manifest.file} on ARCEDGE_MODEL_PATH, or pass pose: 'five-point' to do without it.`,
        cause: error,
        ...(error.details ? { details: error.details } : {}),
      });
    }
    throw error;
  }
}

export async function loadStages(
  options: FaceAnalyzerOptions,
  backend: SessionOptions,
  stages: readonly PipelineStage[] = ['detect', 'embed', ...(options.liveness ? (['liveness'] as const) : [])],
): Promise<LoadedStages> {
  const set: ResolvedModelList = typeof options.models === 'string' ? await resolveModelSet(options.models) : options.models;
  const use = options.use ?? {};
  const wants = new Set(stages);
  const detectModel = wants.has('detect') ? pick(set, 'detect', use.detect, true, 'the detect stage needs a face detector') : undefined;
  const landmarkModel =
    detectModel && NEEDS_LANDMARK_MODEL.has(detectModel.manifest.family)
      ? pick(set, 'landmarks', use.landmarks, true, `detector ${detectModel.manifest.id} finds boxes only and needs a landmark model for the 5 points`)
      : undefined;
  // Pose needs 68 points for every detector: the set's landmark model, else the registry's
  // (the `default` set's, resolved like any model: search path, cache, npm).
  // Asked for explicitly, a missing model is an error; by default (pose unset) a device that cannot
  // fetch it (offline, not cached) falls back to the 5-point estimate rather than not starting:
  // `models.pose` then is absent, which says so.
  const poseModel =
    wants.has('detect') && (options.pose ?? ANALYZER_DEFAULTS.pose) === 'landmarks68'
      ? (landmarkModel ?? pick(set, 'landmarks', use.landmarks, false, '') ?? (await registryLandmarkModel().catch((error: unknown) => {
          if (options.pose === undefined && error instanceof ArcEdgeError) return undefined;
          throw error;
        })))
      : undefined;
  const gate = wants.has('detect') ? options.faceGate : undefined;
  const verifierModel = gate
    ? (set.models.find((m) => m.manifest.task === 'detect' && (m.manifest.id === gate.verifier || m.manifest.file === gate.verifier)) ?? (await registryModel('detect', gate.verifier)))
    : undefined;
  // The face check runs when asked for (faceCheck: {...}); opt-in until its recall cost on
  // degraded real faces and its per-face cost in the agent are measured (docs/detect.md).
  const checkModel = wants.has('detect') && options.faceCheck !== undefined && options.faceCheck !== false ? await faceCheckModel(set) : undefined;
  // The drift test needs 68 points: the pose model's session when pose loads one, else its own.
  const checkLandmarkModel =
    checkModel && !poseModel ? (landmarkModel ?? pick(set, 'landmarks', use.landmarks, false, '') ?? (await registryLandmarkModel().catch(() => undefined))) : undefined;
  const embedModel = wants.has('embed') ? pick(set, 'embed', use.embed, true, 'the embed stage needs a recognition (embed) model') : undefined;
  const livenessModel = wants.has('liveness') ? pick(set, 'liveness', use.liveness, true, 'liveness needs a liveness model') : undefined;

  // Everything created so far, newest last; released in reverse on failure or dispose.
  const owned: { dispose(): Promise<void> }[] = [];
  const releaseAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const item of owned.splice(0).reverse()) {
      try {
        await item.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length) throw errors[0];
  };
  const sessions = new Map<ModelRole, InferenceSession>();
  const load = async (role: ModelRole, model: ResolvedModel): Promise<InferenceSession> => {
    // Each model its own TensorRT profile: inputs of different models may share a name.
    const session = await loadSession(model.path, backendForModel(model.manifest, backend, options.detect?.inputSize));
    owned.push(session);
    checkModelIo(model.manifest, session);
    sessions.set(role, session);
    return session;
  };

  try {
    let detector: FaceDetector | undefined;
    if (detectModel) {
      const detectSession = await load('detect', detectModel);
      const landmarks = landmarkModel ? { manifest: landmarkModel.manifest, session: await load('landmarks', landmarkModel) } : undefined;
      detector = createDetector(detectModel.manifest, detectSession, { ...options.detect, ...(landmarks ? { landmarks } : {}) });
      // The detector now owns its sessions: replace them in `owned` by the detector itself.
      owned.splice(0, owned.length, detector);
    }
    let verifier: FaceDetector | undefined;
    if (verifierModel) {
      verifier = createDetector(verifierModel.manifest, await load('verify', verifierModel), {});
      owned.splice(owned.length - 1, 1, verifier);
    }
    let checker: Embedder | undefined;
    if (checkModel) {
      checker = createEmbedder(checkModel.manifest, await load('check', checkModel), { flipTTA: false });
      owned.splice(owned.length - 1, 1, checker);
    }
    let poseLandmarks: Landmark68 | undefined;
    if (poseModel) {
      poseLandmarks = new Landmark68(poseModel.manifest, await load('pose', poseModel));
      owned.splice(owned.length - 1, 1, poseLandmarks);
    }
    let checkLandmarks = checker ? poseLandmarks : undefined;
    if (checkLandmarkModel) {
      checkLandmarks = new Landmark68(checkLandmarkModel.manifest, await load('check-landmarks', checkLandmarkModel));
      owned.splice(owned.length - 1, 1, checkLandmarks);
    }
    let embedder: Embedder | undefined;
    if (embedModel) {
      embedder = createEmbedder(embedModel.manifest, await load('embed', embedModel), { flipTTA: options.flipTTA ?? ANALYZER_DEFAULTS.flipTTA });
      owned.splice(owned.length - 1, 1, embedder);
    }
    let liveness: LivenessScorer | undefined;
    if (livenessModel) {
      liveness = createLivenessScorer(livenessModel.manifest, await load('liveness', livenessModel));
      owned.splice(owned.length - 1, 1, liveness);
    }
    const modelIds: Record<string, string> = {};
    const manifests: Partial<Record<ModelRole, ModelManifest>> = {};
    for (const [role, model] of [['detect', detectModel], ['landmarks', landmarkModel], ['embed', embedModel], ['liveness', livenessModel]] as const) {
      if (model) (modelIds[role] = model.manifest.id), (manifests[role] = model.manifest);
    }
    if (poseModel && !landmarkModel) (modelIds.pose = poseModel.manifest.id), (manifests.pose = poseModel.manifest);
    if (verifierModel) (modelIds.verify = verifierModel.manifest.id), (manifests.verify = verifierModel.manifest);
    if (checkModel) (modelIds.check = checkModel.manifest.id), (manifests.check = checkModel.manifest);
    return { detector, verifier, checker, checkLandmarks, poseLandmarks, embedder, liveness, sessions, modelIds, manifests, dispose: releaseAll };
  } catch (error) {
    await releaseAll().catch(() => undefined); // the original error is the one worth reporting
    throw error;
  }
}
