/**
 * The pipeline process (a child of the agent, forked by pipeline-host.ts): owns the face pipeline
 * (onnxruntime sessions), the trackers and the gallery. Inference lives outside the main process
 * because onnxruntime-node's session.run blocks the calling JavaScript thread for the whole
 * inference (microsoft/onnxruntime#19611, #26968), and in a child process rather than a worker
 * thread because a native crash (OpenCV, onnxruntime, TensorRT) then takes only this process
 * down, the OpenCV binding loads once per process (a second thread loading it aborts V8), and
 * the agent can restart it.
 *
 * Per batch (the latest frame of each camera): detect every frame, track, embed only the faces
 * a track needs (one embed call for all cameras: batching across cameras), identify, vote.
 */
import { performance } from 'node:perf_hooks';
// The agent's error codes in this thread or process too (agent/errors.ts).
import '../errors.ts';
import { isArcEdgeError, type Detection, type Frame, type RecognitionEvent } from '../../sdk/index.ts';
import { CameraDecisions, type Cooldowns } from '../track/decisions.ts';
import { voteWeight } from '../track/voting.ts';
import { openAgentGallery } from './gallery-port.ts';
import type { BatchStats, FromWorker, ToWorker, WorkerInit } from './messages.ts';
import { dispatchRpc, type RpcScope } from './worker-rpc.ts';
import { createWorkerPipeline, ModelSwap } from './model-swap.ts';
import { MotionGate } from './motion.ts';
import { faceSnapshot } from './snapshot.ts';
import { FrameSlotReader } from './frame-slots.ts';
import { detectFiltered, loadWorkerFilters, takeIgnoredCounts, withFullFrames, withoutIgnored } from './filters.ts';

import type { WorkerState } from './worker-state.ts';

const send = (message: FromWorker, then?: () => void) => {
  if (!process.connected) return;
  process.send!(message, undefined, {}, then ? () => then() : undefined);
};
// The agent is gone (crashed, killed): nobody is left to hand frames to or report to.
process.on('disconnect', () => process.exit(0));

/** Builds (or, on configure, rebuilds) the worker's state; models reload only when they changed. */
async function build(next: WorkerInit, previous: WorkerState | undefined): Promise<WorkerState> {
  const same = (k: keyof WorkerInit) => previous !== undefined && JSON.stringify(previous.init[k]) === JSON.stringify(next[k]);
  const keepModels = same('models') && same('inference') && same('recognizer');
  const keepGallery = keepModels && same('galleryPath') && same('threshold');
  const pipeline = keepModels ? previous!.pipeline : await createWorkerPipeline(next);
  const gallery = keepGallery ? previous!.gallery : await openAgentGallery(next.galleryPath, pipeline, next.threshold);
  if (previous && !keepGallery) previous.gallery.close();
  if (previous && !keepModels) await previous.pipeline.dispose();
  loadWorkerFilters(next.cameras, next.dataDir); // masks, minFacePx, "Not a face" (filters.ts)
  const cooldowns: Cooldowns = new Map();
  const decisions = new Map(
    next.cameras.map((c) => [c.id, new CameraDecisions({ device: next.device, camera: c.id, ...next.tracking, cooldownMs: next.cooldownMs }, cooldowns)]),
  );
  const lastFrames = new Map([...(previous?.lastFrames ?? [])].filter(([camera]) => decisions.has(camera)));
  const motion = new Map(next.cameras.map((c) => [c.id, new MotionGate(next.motion)]));
  return { pipeline, gallery, lastFrames, decisions, motion, init: next };
}

/** The detector's input width: inference.detect.inputSize, else a fixed-shape graph's width, else the manifest's size. */
function detectorInputWidth(state: WorkerState): number | undefined {
  const input = state.pipeline.manifests.detect?.input;
  if (!input) return undefined;
  const fixed = input.layout === 'nchw' ? input.shape[3] : input.shape[2];
  return typeof fixed === 'number' && fixed > 0 ? fixed : (state.init.inference?.detect?.inputSize?.width ?? input.size?.width);
}

const ready = (state: WorkerState): FromWorker => ({
  type: 'ready',
  ...(detectorInputWidth(state) ? { detectorInputWidth: detectorInputWidth(state)! } : {}),
  models: { ...state.pipeline.models },
  threshold: state.gallery.threshold,
  serving: { modelId: state.pipeline.manifests.embed?.id ?? '', embeddingSize: state.pipeline.embeddingSize ?? 0, gallery: state.gallery.info() },
});

const failure = (error: unknown) => (isArcEdgeError(error) ? error.toJSON() : { code: 'BACKEND_LOAD_FAILED', message: (error as Error).message, fix: 'see the message' });

/** When the previous batch was answered: the time until the next one starts is the process's idle wait. */
let lastBatchDoneAt: number | undefined;

async function processBatch(state: WorkerState, frames: readonly { camera: string; frame: Frame; ts: number }[]): Promise<void> {
  const stagesMs: Record<string, number> = { detect: 0, align: 0, embed: 0, identify: 0 };
  // Idle between two batches (waiting for the main process's next frame): near 0 while the host
  // keeps a batch waiting in the channel (pipeline-host.ts IN_FLIGHT); the metrics show it as "wait".
  if (lastBatchDoneAt !== undefined) stagesMs.wait = performance.now() - lastBatchDoneAt;
  const cameras: BatchStats['cameras'] = {};
  const events: FromWorker & { type: 'batch-done' } = { type: 'batch-done', events: [], snapshots: {}, frames: {}, stats: { cameras, stagesMs, embedded: 0 } };
  const out = events.events as unknown as RecognitionEvent[];
  const faces = events.snapshots as Record<string, Uint8Array>;
  const jobs: { camera: string; frame: Frame; ts: number; decisions: CameraDecisions; track: import('../track/tracker.ts').Track; detection: Detection; crop: Frame; qualityOk: boolean }[] = [];
  for (const { camera, frame, ts } of frames) {
    state.lastFrames.set(camera, { frame, ts });
    const decisions = state.decisions.get(camera);
    if (!decisions) continue;
    let t = performance.now();
    const gate = state.motion.get(camera);
    if (gate && !gate.shouldDetect(frame, decisions.liveTracks.length > 0, ts)) {
      stagesMs.motion = (stagesMs.motion ?? 0) + (performance.now() - t);
      cameras[camera] = { faces: 0, tracks: 0, detected: false };
      continue;
    }
    stagesMs.motion = (stagesMs.motion ?? 0) + (performance.now() - t);
    t = performance.now();
    // No pose landmarks here: only the faces a track embeds get them (below), not every face of every frame.
    // The tracked faces of the last frame size the detector's input (sdk/detect/scale-plan.ts).
    const detections = await detectFiltered(state.pipeline, camera, frame, { pose: false, expectedFaces: decisions.expectedFaces });
    stagesMs.detect! += performance.now() - t;
    const observed = decisions.observe(detections, ts);
    out.push(...withoutIgnored(camera, observed.events));
    t = performance.now();
    for (const { track, detection: found } of observed.toEmbed) {
      const detection = await state.pipeline.locatePose(frame, found);
      const { crop } = state.pipeline.align(frame, detection);
      const verdict = state.pipeline.assessQuality(detection, crop);
      jobs.push({ camera, frame, ts, decisions, track, detection, crop, qualityOk: verdict.ok });
    }
    stagesMs.align! += performance.now() - t;
    cameras[camera] = { faces: detections.length, tracks: 0, detected: true };
  }
  if (jobs.length > 0) {
    let t = performance.now();
    // With each raw norm: the vote weight (voting.ts, voteWeight).
    const embedded = await state.pipeline.embedWithNorms(jobs.map((j) => j.crop));
    const embeddings = embedded.map((e) => e.embedding);
    stagesMs.embed! += performance.now() - t;
    t = performance.now();
    jobs.forEach((job, i) => {
      const match = state.gallery.identify(embeddings[i]!);
      const vote = { identity: match.identity, score: match.score, weight: voteWeight(embedded[i]!.norm, job.qualityOk) };
      const snapshots = state.init.cameras.find((c) => c.id === job.camera)?.snapshots;
      const snapshot = snapshots
        ? (event: RecognitionEvent) => {
            const jpeg = faceSnapshot(job.frame, job.detection.box);
            if (jpeg) faces[event.id] = jpeg;
          }
        : undefined;
      const produced = job.decisions.addEmbedding(job.track, job.detection, embeddings[i]!, vote, job.ts, snapshot);
      const face = { trackId: job.track.id, embedding: embeddings[i]!, known: match.identity !== null, threshold: state.gallery.threshold };
      out.push(...withFullFrames(withoutIgnored(job.camera, produced, face), job.frame, faces, events.frames as Record<string, Uint8Array>));
    });
    stagesMs.identify! += performance.now() - t;
  }
  for (const camera of Object.keys(cameras)) cameras[camera]!.tracks = state.decisions.get(camera)?.liveTracks.length ?? 0;
  (events.stats as { embedded: number }).embedded = jobs.length;
  (events.stats as { ignored?: Record<string, number> }).ignored = takeIgnoredCounts();
  send(events);
  lastBatchDoneAt = performance.now();
}

/**
 * The first message is the init. Whatever arrives while the models load (a configure from a
 * reload, an RPC) is kept in `early` and handled, in order, once the process is ready.
 */
const early: ToWorker[] = [];
const slots = new FrameSlotReader();
const onEarly = (message: ToWorker) => void early.push(message);
function firstInit(): Promise<WorkerInit> {
  return new Promise((resolve) => {
    const onInit = (message: ToWorker) => {
      if (message.type !== 'init') return;
      process.off('message', onInit);
      process.off('message', onEarly);
      resolve(message.init);
    };
    process.on('message', onInit);
  });
}

async function main(): Promise<void> {
  let initial: WorkerState;
  try {
    const init = await firstInit();
    process.on('message', onEarly);
    send({ type: 'building' });
    initial = await build(init, undefined);
  } catch (error) {
    // Exit once the reason is delivered: the host restarts this process with backoff.
    send({ type: 'init-failed', error: failure(error) }, () => process.exit(1));
    return;
  }
  send(ready(initial));
  const scope: RpcScope = {
    state: initial,
    swap: new ModelSwap(),
    events: (events) => send({ type: 'events', events }),
    log: (msg, fields) => send({ type: 'log', level: 'warn', msg, fields }),
  };
  // One message at a time: a batch or an RPC never interleaves with another (the gallery and
  // trackers are not re-entrant), and the host only sends a batch when the previous one is done.
  let chain = Promise.resolve();
  const handle = (message: ToWorker) => {
    // The re-embed for a model apply runs beside the chain: it uses the prepared pipeline and
    // its own gallery connection, never the serving ones, and its small batches interleave
    // with frame batches at each await, so recognition goes on while the new generation builds.
    // The host sends the commit only after this RPC answered.
    if (message.type === 'rpc' && message.method === 'modelBuildGallery') {
      void dispatchRpc(scope, message).then((reply) => send(reply));
      return;
    }
    chain = chain.then(async () => {
      const state = scope.state;
      if (message.type === 'frames') {
        try {
          // Read the slots now, when this batch starts: the host reuses a slot only after this batch is answered (frame-slots.ts).
          const frames = message.frames.map((f) => ({ camera: f.camera, ts: f.ts, frame: { data: f.slot ? slots.read(f.slot) : f.data!, width: f.width, height: f.height } }));
          await processBatch(state, frames);
        } catch (error) {
          send({ type: 'log', level: 'error', msg: 'batch failed', fields: { error: failure(error) } });
          send({ type: 'batch-done', events: [], stats: { cameras: {}, stagesMs: {}, embedded: 0 } });
        }
      } else if (message.type === 'rpc') {
        send(await dispatchRpc(scope, message));
      } else if (message.type === 'camera-stopped') {
        const events = withoutIgnored(message.camera, state.decisions.get(message.camera)?.endAll(Date.now()) ?? []);
        if (events.length > 0) send({ type: 'events', events });
      } else if (message.type === 'configure') {
        const events = [...state.decisions].flatMap(([camera, d]) => withoutIgnored(camera, d.endAll(Date.now())));
        if (events.length > 0) send({ type: 'events', events });
        try {
          scope.state = await build(message.init, state);
          send(ready(scope.state));
        } catch (error) {
          send({ type: 'init-failed', error: failure(error) });
        }
      } else if (message.type === 'stop') {
        const events = [...state.decisions].flatMap(([camera, d]) => withoutIgnored(camera, d.endAll(Date.now())));
        if (events.length > 0) send({ type: 'events', events });
        state.gallery.close();
        await state.pipeline.dispose();
        send({ type: 'stopped' }, () => process.exit(0));
      }
    });
  };
  process.off('message', onEarly);
  process.on('message', handle);
  for (const message of early.splice(0)) handle(message);
}

void main();
