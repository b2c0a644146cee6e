/**
 * The worker's side of a model apply (agent/deploy/apply.ts drives it): load the package's
 * recognizer next to the serving pipeline, warm it up and run the golden self-test; build the
 * gallery generation for it without switching; then, on commit, switch the gallery generation
 * and the pipeline between two batches and release the old sessions. The worker thread is never
 * restarted (OpenCV cannot be loaded again in a new thread, see pipeline-host.ts configure()),
 * so the new model is a second pipeline in the same thread until the swap.
 */
import {
  ArcEdgeError,
  createFacePipeline,
  openGallery,
  reembedderOf,
  resolveModelSet,
  runPackageSelfTest,
  type FacePipeline,
  type RecognitionEvent,
} from '../../sdk/index.ts';
import { openAgentGallery } from './gallery-port.ts';
import type { WorkerInit } from './messages.ts';
import type { PrepareParams, RecognizerOverride, RpcResult } from './rpc.ts';
import type { WorkerState } from './worker-state.ts';


/**
 * Detector settings for camera streams, under what the config sets: no second pass. The SDK's
 * second pass (sdk/detect/two-pass.ts) re-detects a frame inside a black margin when the first
 * pass finds nothing, for photos of a face that fills the frame; on a camera every empty frame
 * would be detected twice (and once more per input-planning step), for a framing cameras do not
 * produce. `inference.detect.secondPass: true` brings it back.
 */
export const STREAM_DETECT = { secondPass: false } as const;

/** The pipeline a worker runs for this init: the config's set, its recognizer replaced by a package's. */
export async function createWorkerPipeline(init: Pick<WorkerInit, 'models' | 'inference' | 'recognizer'>): Promise<FacePipeline> {
  init = { ...init, inference: { ...init.inference, detect: { ...STREAM_DETECT, ...init.inference?.detect } } };
  if (!init.recognizer) return createFacePipeline({ models: init.models, ...(init.inference ?? {}) });
  const set = await resolveModelSet(init.models);
  const models = [...set.models.filter((m) => m.manifest.task !== 'embed'), { manifest: init.recognizer.manifest, path: init.recognizer.path }];
  const { use, ...inference } = init.inference ?? {};
  const { embed: _embed, ...otherUse } = use ?? {};
  return createFacePipeline({ models: { name: `${set.name}+${init.recognizer.package}`, models }, ...inference, ...(use ? { use: otherUse } : {}) });
}

export class ModelSwap {
  private prepared: { pipeline: FacePipeline; recognizer: RecognizerOverride | undefined } | undefined;

  async prepare(state: WorkerState, params: PrepareParams): Promise<RpcResult<'modelPrepare'>> {
    await this.discard();
    const pipeline = await createWorkerPipeline({ ...state.init, recognizer: params.recognizer });
    try {
      const expected = params.selfTest?.manifest.embeddingSize;
      if (expected !== undefined && pipeline.embeddingSize !== expected) {
        throw new ArcEdgeError('MODEL_IO_MISMATCH', `the package says ${expected}-value embeddings; its model produces ${pipeline.embeddingSize}`, {
          fix: 'rebuild the package with `arcedge package` from the right model',
        });
      }
      // Warm-up: the first run allocates and (TensorRT) builds; keep that out of the self-test and the first frame.
      const side = pipeline.cropSizePx;
      const started = performance.now();
      await pipeline.embed([{ data: new Uint8Array(side * side * 3), width: side, height: side }]);
      const warmupMs = Math.round(performance.now() - started);
      let selfTest: { minCosine: number; tolerance: number } | undefined;
      if (params.selfTest) {
        const result = await runPackageSelfTest(params.selfTest.dir, params.selfTest.manifest, (crops) => pipeline.embed(crops));
        if (!result.passed) {
          throw new ArcEdgeError('PACKAGE_SELF_TEST_FAILED', `the golden self-test failed on this device: lowest cosine ${result.minCosine.toFixed(4)}, required ${result.required}`, {
            details: { cosines: result.cosines, required: result.required },
          });
        }
        selfTest = { minCosine: result.minCosine, tolerance: result.required };
      }
      this.prepared = { pipeline, recognizer: params.recognizer };
      return { modelId: pipeline.manifests.embed?.id ?? '', embeddingSize: pipeline.embeddingSize ?? 0, warmupMs, ...(selfTest ? { selfTest } : {}) };
    } catch (error) {
      await pipeline.dispose();
      throw error;
    }
  }

  /** Re-embeds the gallery with the prepared recognizer into a complete generation that does not serve yet. */
  async buildGeneration(state: WorkerState, log: (msg: string, fields: Record<string, unknown>) => void): Promise<{ generation: number; templates: number; resumed: number }> {
    const prepared = this.need();
    const gallery = await openGallery(state.init.galleryPath);
    try {
      const recognizer = reembedderOf(prepared.pipeline);
      // Test-only (agent/deploy/apply.ts step()): stop for good after the first committed batch
      // of one crop, so a test can kill -9 the agent with the new generation half written.
      const pauseMidway = process.env.ARCEDGE_TEST_APPLY_PAUSE === 'reembedding';
      let batches = 0;
      const embed: typeof recognizer.embed = async (crops) => {
        if (pauseMidway && batches++ > 0) {
          log('apply paused', { step: 'reembedding' });
          await new Promise(() => {});
        }
        return recognizer.embed(crops);
      };
      // Small batches: each one delays the frame batch waiting behind it by its embed time.
      const result = await gallery.reembed({ model: recognizer.model, embed }, { activate: false, batchSize: pauseMidway ? 1 : 8 });
      return { generation: result.generation, templates: result.templates, resumed: result.resumed };
    } finally {
      gallery.close();
    }
  }

  /**
   * The swap, between two batches of this worker: switch the gallery file to `generation` (the
   * first worker only), open it for the new recognizer, end every live track (their embeddings
   * belong to the old model), and release the old pipeline.
   */
  async commit(state: WorkerState, generation: number | undefined): Promise<{ next: WorkerState; events: RecognitionEvent[]; gallery: { identities: number; templates: number; generation: number } }> {
    const prepared = this.need();
    if (generation !== undefined) {
      const file = await openGallery(state.init.galleryPath);
      try {
        file.activateGeneration(generation, { keepPrevious: true });
      } finally {
        file.close();
      }
    }
    const gallery = await openAgentGallery(state.init.galleryPath, prepared.pipeline, state.init.threshold);
    const events = [...state.decisions.values()].flatMap((d) => d.endAll(Date.now()));
    this.prepared = undefined;
    state.gallery.close();
    await state.pipeline.dispose();
    const next: WorkerState = { ...state, pipeline: prepared.pipeline, gallery, init: { ...state.init, recognizer: prepared.recognizer } };
    return { next, events, gallery: gallery.info() };
  }

  /** Releases a prepared pipeline that will not be used (a refused or failed apply). */
  async discard(): Promise<void> {
    const prepared = this.prepared;
    this.prepared = undefined;
    await prepared?.pipeline.dispose();
  }

  private need(): NonNullable<ModelSwap['prepared']> {
    if (!this.prepared) throw new ArcEdgeError('DEPLOY_BUSY', 'no prepared model in this worker (the apply was cancelled)', { fix: 'send the apply command again' });
    return this.prepared;
  }
}

/**
 * A pushed gallery built with another recognizer: re-embed it in place (it is the device's own
 * staged copy) with the serving one, so it can replace the device's gallery.
 */
export async function reembedFile(state: WorkerState, path: string): Promise<{ generation: number; templates: number }> {
  const gallery = await openGallery(path, { create: false });
  try {
    const result = await gallery.reembed(reembedderOf(state.pipeline));
    return { generation: result.generation, templates: result.templates };
  } finally {
    gallery.close();
  }
}
