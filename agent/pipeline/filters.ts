/**
 * What the worker does between a camera frame and a published event, beside the tracker:
 *
 * - masks and minFacePx per camera (cameras[].masks, cameras[].minFacePx; editable from the web
 *   UI): masked areas are filled with grey before detection, so no face is ever found there, and
 *   faces narrower than minFacePx are dropped before tracking (no box, no track, no event);
 * - faces marked "Not a face" in the web face library (<dataDir>/face-library-ignored.json):
 *   a track whose face matches an ignored group's centroid at the recognizer's threshold, and no
 *   enrolled person, publishes no event; the drops are counted per camera for the metrics topic;
 * - the full frame with the face boxed, for each decision event that has a face snapshot (JPEG
 *   bytes by event id beside the snapshots, long side <= 1280), for the event history only.
 *
 * State is per worker thread (module level): set from WorkerInit on every (re)configure and
 * replaced at run time by the `cameraFilters` and `ignoredFaces` RPCs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  drawAnnotations,
  encodeJpeg,
  fillPolygons,
  insidePolygon,
  resizeFrame,
  type Box,
  type Detection,
  type DetectOptions,
  type FacePipeline,
  type Frame,
  type MaskPolygon,
  type RecognitionEvent,
} from '../../sdk/index.ts';
import { readCameraSettings } from '../config/camera-settings.ts';

export interface CameraFilter {
  readonly masks: readonly { readonly name?: string | undefined; readonly points: MaskPolygon }[];
  readonly minFacePx: number;
}

export type CameraFilterInit = { readonly id: string } & Partial<CameraFilter>;

const filters = new Map<string, CameraFilter>();

/** Sets the masks and minFacePx of the given cameras (the others keep theirs). */
export function setCameraFilters(cameras: readonly CameraFilterInit[]): void {
  for (const c of cameras) filters.set(c.id, { masks: c.masks ?? [], minFacePx: c.minFacePx ?? 0 });
}

/** The face library's "Not a face" list (agent/web/face-library.ts writes it). */
export const ignoredFacesFile = (dataDir: string | undefined) => (dataDir ? join(dataDir, 'face-library-ignored.json') : undefined);

/**
 * At every worker (re)start: the cameras' settings from the init, overridden by what the web UI
 * saved since (the config may have been loaded before), and the ignored faces.
 */
export function loadWorkerFilters(cameras: readonly CameraFilterInit[], dataDir: string | undefined): void {
  let saved: ReturnType<typeof readCameraSettings> = {};
  try {
    if (dataDir) saved = readCameraSettings(dataDir);
  } catch {
    // A damaged file refuses the config load itself (CONFIG_INVALID); here the init's values stand.
  }
  setCameraFilters(cameras.map((c) => ({ ...c, ...saved[c.id] })));
  loadIgnoredFaces(ignoredFacesFile(dataDir));
}

export function cameraFilter(camera: string): CameraFilter | undefined {
  return filters.get(camera);
}

/**
 * Drops detections narrower than minFacePx or centred inside a mask. The fill already keeps the
 * detector from seeing a masked face; the centre test also catches a face that straddles the
 * mask's edge and is still found from its unmasked half.
 */
export function keepDetections(detections: readonly Detection[], filter: CameraFilter, width: number, height: number): Detection[] {
  return detections.filter((d) => {
    if (d.box.x2 - d.box.x1 < filter.minFacePx) return false;
    const cx = (d.box.x1 + d.box.x2) / 2 / width;
    const cy = (d.box.y1 + d.box.y2) / 2 / height;
    return !filter.masks.some((m) => insidePolygon(cx, cy, m.points));
  });
}

/** The camera's frame with its masks filled (the original when it has none). */
export function maskedFrame(frame: Frame, filter: CameraFilter | undefined): Frame {
  return filter && filter.masks.length > 0 ? fillPolygons(frame, filter.masks.map((m) => m.points)) : frame;
}

/** Detection with the camera's masks and minFacePx applied; `options` go to the detector (the tracked faces, pose off). */
export async function detectFiltered(pipeline: Pick<FacePipeline, 'detect'>, camera: string, frame: Frame, options?: DetectOptions): Promise<Detection[]> {
  const filter = filters.get(camera);
  if (!filter || (filter.masks.length === 0 && filter.minFacePx <= 0)) return pipeline.detect(frame, options);
  return keepDetections(await pipeline.detect(maskedFrame(frame, filter), options), filter, frame.width, frame.height);
}

// ---- faces marked "Not a face" in the face library ----

let ignored: Float32Array[] = [];
/** Per camera: tracks whose events are not published. */
const ignoredTracks = new Map<string, Set<number>>();
/** Per camera: decision events dropped since the last batch report. */
const droppedSince = new Map<string, number>();

/** (Re)reads the ignored groups' centroids; a missing or unreadable file ignores nothing. */
export function loadIgnoredFaces(file: string | undefined): number {
  ignored = [];
  if (!file || !existsSync(file)) return 0;
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { groups?: { centroid: number[] }[] };
    ignored = (data.groups ?? []).map((g) => Float32Array.from(g.centroid));
  } catch {
    ignored = [];
  }
  return ignored.length;
}

export function matchesIgnored(embedding: Float32Array, threshold: number): boolean {
  return ignored.some((c) => {
    if (c.length !== embedding.length) return false;
    let dot = 0;
    for (let i = 0; i < c.length; i++) dot += c[i]! * embedding[i]!;
    return dot >= threshold;
  });
}

/**
 * Marks `trackId` ignored when this embedding matches an ignored group and no enrolled person
 * (an enrolled person is never silenced by a library mark), then drops the events of ignored
 * tracks from `events`. Call with `embedding` undefined for events that carry no new face
 * (track ends).
 */
export function withoutIgnored(
  camera: string,
  events: readonly RecognitionEvent[],
  face?: { trackId: number; embedding: Float32Array; known: boolean; threshold: number },
): RecognitionEvent[] {
  let tracks = ignoredTracks.get(camera);
  if (face && !face.known && ignored.length > 0 && matchesIgnored(face.embedding, face.threshold)) {
    if (!tracks) ignoredTracks.set(camera, (tracks = new Set()));
    tracks.add(face.trackId);
    for (const e of events) if (e.type !== 'track_end') tracks.add(e.track); // a cut's new track
  }
  if (!tracks || tracks.size === 0) return [...events];
  const kept: RecognitionEvent[] = [];
  for (const e of events) {
    if (!tracks.has(e.track)) {
      kept.push(e);
      continue;
    }
    if (e.type === 'track_end') tracks.delete(e.track);
    else droppedSince.set(camera, (droppedSince.get(camera) ?? 0) + 1);
  }
  return kept;
}

/** Dropped decision events per camera since the last call (reported with each batch). */
export function takeIgnoredCounts(): Record<string, number> {
  const out = Object.fromEntries(droppedSince);
  droppedSince.clear();
  return out;
}

// ---- the full frame for the event history ----

export const FULL_FRAME_LONG_SIDE = 1280;
export const FULL_FRAME_QUALITY = 80;

/** The frame, scaled so its long side is at most 1280 px, with the face boxed, as JPEG bytes. */
export function fullFrameJpeg(frame: Frame, box: Box): Uint8Array {
  const scale = Math.min(1, FULL_FRAME_LONG_SIDE / Math.max(frame.width, frame.height));
  const small = scale < 1 ? resizeFrame(frame, Math.round(frame.width * scale), Math.round(frame.height * scale), 'area') : frame;
  const scaled = { x1: box.x1 * scale, y1: box.y1 * scale, x2: box.x2 * scale, y2: box.y2 * scale };
  return encodeJpeg(drawAnnotations(small, [{ box: scaled, color: [0, 165, 255] }]), FULL_FRAME_QUALITY);
}

/** Adds to `frames` the full frame of each decision event that got a face snapshot in `faces`; returns the events. */
export function withFullFrames(events: readonly RecognitionEvent[], frame: Frame, faces: Readonly<Record<string, Uint8Array>>, frames: Record<string, Uint8Array>): RecognitionEvent[] {
  for (const e of events) if (e.type !== 'track_end' && faces[e.id]) frames[e.id] = fullFrameJpeg(frame, e.box);
  return [...events];
}
