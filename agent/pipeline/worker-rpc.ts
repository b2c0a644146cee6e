/**
 * The pipeline process's one RPC dispatcher: a handler per method of the RPC map (rpc.ts), each
 * returning its typed result or throwing a typed error; dispatchRpc() turns either into the
 * reply message, so nothing throws past the RPC boundary and a bad command never takes the
 * pipeline down. Handlers that replace the serving state (galleryOpen, modelCommit) do it on
 * the scope.
 */
import { ArcEdgeError, encodeJpeg, isArcEdgeError, judgeEnrollFaces, type Frame, type PhotoVerdict, type RecognitionEvent } from '../../sdk/index.ts';
import { openAgentGallery } from './gallery-port.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { reembedFile, type ModelSwap } from './model-swap.ts';
import type { EnrollParams, LiveFace, RpcMap, RpcMethod, RpcParams, RpcResult } from './rpc.ts';
import { frameSnapshot } from './snapshot.ts';
import { ignoredFacesFile, loadIgnoredFaces, setCameraFilters } from './filters.ts';
import { enrollFace, findFaces } from './worker-faces.ts';
import type { WorkerState } from './worker-state.ts';

export interface RpcScope {
  /** The serving state; galleryOpen and modelCommit replace it. */
  state: WorkerState;
  readonly swap: ModelSwap;
  /** Events a handler produced outside a frame batch (track_end of tracks a model swap ended). */
  events(events: readonly RecognitionEvent[]): void;
  log(msg: string, fields: Record<string, unknown>): void;
}

type Handlers = { [M in RpcMethod]: (scope: RpcScope, params: RpcParams<M>) => Promise<RpcResult<M>> | RpcResult<M> };

const notFound = (personId: unknown) =>
  new ArcEdgeError('GALLERY_IDENTITY_NOT_FOUND', `no person "${String(personId)}" in the gallery`, { fix: 'the list command (or GET /api/people) shows the enrolled ids', details: { personId } });

const noTemplate = (personId: string, templateId: string) => new ArcEdgeError('NOT_FOUND', `person "${personId}" has no template "${templateId}"`);

function lastFrame(state: WorkerState, camera: string): Frame {
  if (!state.decisions.has(camera)) {
    throw new ArcEdgeError('CAMERA_UNKNOWN', `no camera "${camera}" on this device`, { details: { camera, cameras: [...state.decisions.keys()] } });
  }
  const last = state.lastFrames.get(camera);
  if (!last) throw new ArcEdgeError('CAMERA_NO_FRAME', `camera "${camera}" has not delivered a frame yet`, { details: { camera } });
  return last.frame;
}

async function enroll(state: WorkerState, params: EnrollParams): Promise<RpcResult<'enroll'>> {
  const frame = params.image ? (await state.pipeline.loadFrame(params.image)).frame : lastFrame(state, params.camera!);
  const faces = await state.pipeline.detect(frame);
  if (params.single && faces.length > 1) {
    throw new ArcEdgeError('FACE_AMBIGUOUS', `the photo shows ${faces.length} faces`, { fix: 'crop it to one person, or use the People page, which asks which face', details: { count: faces.length } });
  }
  const source = params.source ?? (params.image ? 'mqtt:enroll' : `camera:${params.camera}`);
  // The CLI's rules and verdict object (sdk judgeEnrollFaces), except that a live enrollment keeps a
  // face that fails the gate for anything but size (an operator chose this moment; its template
  // gets quality 0.5 so identification weighs it less).
  const judged = judgeEnrollFaces(state.pipeline, frame, faces, source, { allowLowQuality: true });
  if ('verdict' in judged) throw new ArcEdgeError('FACE_NOT_FOUND', judged.verdict.message, { details: { width: frame.width, height: frame.height, verdict: judged.verdict } });
  const { face, crop, quality } = judged;
  if (quality.reasons.includes('face-too-small')) {
    const verdict: PhotoVerdict = { source, outcome: 'refused', reason: 'low-quality', message: `refused: ${quality.messages[quality.reasons.indexOf('face-too-small')]}`, faces: faces.length, qualityReasons: quality.reasons, quality: quality.metrics };
    throw new ArcEdgeError('FACE_NOT_FOUND', 'the face is too small to enroll', { details: { reasons: quality.reasons, metrics: quality.metrics, verdict } });
  }
  const [embedding] = await state.pipeline.embed([crop]);
  const person = state.gallery.enroll({ id: params.personId, name: params.name }, [{ crop, embedding: embedding!, quality: quality.ok ? 1 : 0.5, source }]);
  const verdict: PhotoVerdict = person.skipped > 0
    ? { source, outcome: 'duplicate', reason: 'near-duplicate', message: 'skipped: near-duplicate of a template this person already has (cosine >= 0.95); the person is enrolled, this photo added nothing new', faces: faces.length, quality: quality.metrics }
    : { source, outcome: 'enrolled', message: `enrolled: face ${Math.round(quality.metrics.faceSizePx)} px, detector score ${face.score.toFixed(2)}${judged.note}${quality.ok ? '' : ` despite the quality gate (${quality.messages.join('; ')})`}`, faces: faces.length, quality: quality.metrics, ...(quality.ok ? {} : { qualityReasons: quality.reasons }) };
  return { person, quality: { ok: quality.ok, reasons: quality.reasons, messages: quality.messages }, box: face.box, verdict };
}

const HANDLERS: Handlers = {
  enroll: ({ state }, params) => enroll(state, params),
  forget({ state }, { personId }) {
    const templates = state.gallery.list().find((p) => p.id === personId)?.faces ?? 0;
    if (!state.gallery.forget(personId)) throw notFound(personId);
    return { removed: personId, templates };
  },
  people: ({ state }) => ({ people: state.gallery.people() }),
  crop({ state }, { personId, templateId }) {
    const crop = state.gallery.crop(personId, templateId);
    if (!crop) throw noTemplate(personId, templateId);
    return { jpeg: encodeJpeg(crop, 90) };
  },
  rename: ({ state }, { personId, name }) => state.gallery.rename(personId, name),
  merge: ({ state }, { personId, into }) => state.gallery.merge(personId, into),
  removeTemplate({ state }, { personId, templateId }) {
    if (!state.gallery.removeTemplate(personId, templateId)) throw noTemplate(personId, templateId);
    return { removed: templateId };
  },
  list: ({ state }) => ({ people: state.gallery.list() }),
  snapshot({ state }, { camera, annotate }) {
    const frame = lastFrame(state, camera);
    const ts = state.lastFrames.get(camera)!.ts;
    // Only tracks seen in this very frame: a track kept alive through a few missed frames
    // would otherwise leave its box on a blank frame.
    const tracks = (state.decisions.get(camera)?.liveTracks ?? []).filter((t) => t.lastSeenMs === ts);
    const faces: LiveFace[] = tracks.map((t) => ({
      trackId: t.id,
      box: t.box,
      state: !t.decision ? 'deciding' : t.decision.identity ? 'known' : 'unknown',
      personId: t.decision?.identity?.id ?? null,
      name: t.decision?.identity?.name ?? null,
      score: t.decision ? Math.round(t.decision.score * 1000) / 1000 : null,
    }));
    const boxes = annotate ? faces.map((f) => ({ box: f.box, label: f.name ?? (f.state === 'deciding' ? '...' : 'Unknown') })) : [];
    return { camera, ts: new Date(ts).toISOString(), width: frame.width, height: frame.height, jpeg: frameSnapshot(frame, boxes), faces };
  },
  async faces({ state }, params) {
    // The frame is frozen here: the web enrolls one of these faces later, never a newer frame.
    const frame = 'image' in params ? (await state.pipeline.loadFrame(params.image)).frame : lastFrame(state, params.camera);
    const faces = await findFaces(state, frame);
    return { width: frame.width, height: frame.height, frameJpeg: frameSnapshot(frame), faces, threshold: state.gallery.threshold };
  },
  enrollFace: ({ state }, params) => enrollFace(state, params),
  refreshGallery({ state }) {
    state.gallery.refresh();
    return { people: state.gallery.list().length };
  },
  cameraFilters(_scope, params) {
    setCameraFilters([params]);
    return { camera: params.id };
  },
  ignoredFaces: ({ state }) => ({ groups: loadIgnoredFaces(ignoredFacesFile(state.init.dataDir)) }),
  galleryInfo: ({ state }) => state.gallery.info(),
  stats: ({ state }) => ({ models: state.pipeline.modelStats(), precision: state.init.inference?.backend?.precision ?? 'fp32' }),
  galleryReembed: ({ state }, { path }) => reembedFile(state, path),
  galleryClose: ({ state }) => state.gallery.close(),
  async galleryOpen(scope) {
    scope.state.gallery.close(); // idempotent: a retry after a failed open must not leak one
    scope.state = { ...scope.state, gallery: await openAgentGallery(scope.state.init.galleryPath, scope.state.pipeline, scope.state.init.threshold) };
    return scope.state.gallery.info();
  },
  modelPrepare: ({ state, swap }, params) => swap.prepare(state, params),
  modelBuildGallery: ({ state, swap, log }) => swap.buildGeneration(state, log),
  async modelCommit(scope, { generation }) {
    const committed = await scope.swap.commit(scope.state, generation);
    scope.state = committed.next;
    if (committed.events.length > 0) scope.events(committed.events);
    return { models: { ...scope.state.pipeline.models }, threshold: scope.state.gallery.threshold, gallery: committed.gallery };
  },
  modelDiscard: ({ swap }) => swap.discard(),
};

/** Runs one RPC; the reply carries the result or the typed error. */
export async function dispatchRpc(scope: RpcScope, message: ToWorker & { type: 'rpc' }): Promise<FromWorker> {
  try {
    const handler = HANDLERS[message.method] as ((scope: RpcScope, params: unknown) => Promise<RpcMap[RpcMethod]['result']>) | undefined;
    if (!handler) throw new ArcEdgeError('INVALID_ARGUMENT', `no pipeline method "${String(message.method)}"`);
    const result = await handler(scope, message.params ?? {});
    return { type: 'rpc-result', id: message.id, ok: true, result };
  } catch (error) {
    const e = isArcEdgeError(error) ? error : new ArcEdgeError('INVALID_ARGUMENT', (error as Error).message ?? String(error));
    return { type: 'rpc-result', id: message.id, ok: false, error: e.toJSON() };
  }
}
