/**
 * Commands that need the worker's state (gallery, last frames, models): enroll, forget, list,
 * snapshot. Each returns a result or a typed error (ArcEdgeError.toJSON()); nothing here throws
 * past the RPC boundary, so a bad command never takes the pipeline down.
 */
import { ArcEdgeError, encodeJpeg, isArcEdgeError, judgeEnrollFaces, type Frame, type PhotoVerdict } from '../../sdk/index.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { frameSnapshot } from './snapshot.ts';
import type { WorkerState } from './worker.ts';

export interface EnrollParams {
  readonly personId: string;
  readonly name: string;
  /** Encoded image bytes, or undefined to use the camera's last frame. */
  readonly image?: Uint8Array;
  readonly camera?: string;
  /** Where the face came from, kept with the template (default mqtt:enroll or camera:<id>). */
  readonly source?: string;
}

const notFound = (personId: unknown) =>
  new ArcEdgeError('GALLERY_IDENTITY_NOT_FOUND', `no person "${String(personId)}" in the gallery`, { fix: 'the list command (or GET /api/people) shows the enrolled ids', details: { personId } });

function lastFrame(state: WorkerState, camera: string): Frame {
  if (!state.decisions.has(camera)) {
    throw new ArcEdgeError('CAMERA_UNKNOWN', `no camera "${camera}" on this device`, { details: { camera, cameras: [...state.decisions.keys()] } });
  }
  const last = state.lastFrames.get(camera);
  if (!last) throw new ArcEdgeError('CAMERA_NO_FRAME', `camera "${camera}" has not delivered a frame yet`, { details: { camera } });
  return last.frame;
}

async function enroll(state: WorkerState, params: EnrollParams): Promise<unknown> {
  const frame = params.image ? (await state.pipeline.loadFrame(params.image)).frame : lastFrame(state, params.camera!);
  const faces = await state.pipeline.detect(frame);
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

export async function handleRpc(state: WorkerState, message: ToWorker & { type: 'rpc' }): Promise<FromWorker> {
  try {
    const params = message.params as Record<string, unknown>;
    let result: unknown;
    switch (message.method) {
      case 'enroll':
        result = await enroll(state, params as unknown as EnrollParams);
        break;
      case 'forget': {
        const templates = state.gallery.list().find((p) => p.id === params.personId)?.faces ?? 0;
        const removed = state.gallery.forget(params.personId as string);
        if (!removed) throw notFound(params.personId);
        result = { removed: params.personId, templates };
        break;
      }
      case 'people':
        result = { people: state.gallery.people() };
        break;
      case 'crop': {
        const crop = state.gallery.crop(params.personId as string, params.templateId as string);
        if (!crop) throw new ArcEdgeError('NOT_FOUND', `person "${String(params.personId)}" has no template "${String(params.templateId)}"`);
        result = { jpeg: Buffer.from(encodeJpeg(crop, 90)).toString('base64') };
        break;
      }
      case 'rename':
        result = state.gallery.rename(params.personId as string, params.name as string);
        break;
      case 'merge':
        result = state.gallery.merge(params.personId as string, params.into as string);
        break;
      case 'removeTemplate':
        if (!state.gallery.removeTemplate(params.personId as string, params.templateId as string)) {
          throw new ArcEdgeError('NOT_FOUND', `person "${String(params.personId)}" has no template "${String(params.templateId)}"`);
        }
        result = { removed: params.templateId };
        break;
      case 'list':
        result = { people: state.gallery.list() };
        break;
      case 'snapshot': {
        const camera = params.camera as string;
        const frame = lastFrame(state, camera);
        const boxes = params.annotate ? (state.decisions.get(camera)?.liveTracks ?? []).map((t) => ({ box: t.box, label: t.decision?.identity?.name ?? `#${t.id}` })) : [];
        result = { camera, ts: new Date(state.lastFrames.get(camera)!.ts).toISOString(), width: frame.width, height: frame.height, jpeg: frameSnapshot(frame, boxes) };
        break;
      }
      case 'refreshGallery':
        state.gallery.refresh();
        result = { people: state.gallery.list().length };
        break;
      case 'galleryInfo':
        result = state.gallery.info();
        break;
      case 'stats':
        result = { models: state.pipeline.modelStats(), precision: state.init.inference?.backend?.precision ?? 'fp32' };
        break;
    }
    return { type: 'rpc-result', id: message.id, ok: true, result };
  } catch (error) {
    const e = isArcEdgeError(error) ? error : new ArcEdgeError('INVALID_ARGUMENT', (error as Error).message ?? String(error));
    return { type: 'rpc-result', id: message.id, ok: false, error: e.toJSON() };
  }
}
