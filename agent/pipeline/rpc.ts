/**
 * Every call the main process makes into a pipeline process, with its parameters and result:
 * one map, so PipelineHost.call() is typed end to end and worker-rpc.ts has one dispatcher
 * that must handle every method (a missing handler is a compile error).
 */
import type { Box, ModelManifest, ModelPackageManifest, PhotoVerdict } from '../../sdk/index.ts';
import type { PersonDetails, PersonSummary } from './gallery-port.ts';
import type { EnrollFaceParams, FoundFace } from './face-types.ts';
import type { CameraFilterInit } from './filters.ts';

/** A model package's recognizer replacing the config set's (the device's model store, docs/deploy.md). */
export interface RecognizerOverride {
  readonly package: string;
  readonly version: number;
  readonly path: string;
  readonly manifest: ModelManifest;
}

export interface EnrollParams {
  readonly personId: string;
  readonly name: string;
  /** Encoded image bytes, or undefined to use the camera's last frame. */
  readonly image?: Uint8Array;
  readonly camera?: string;
  /** Where the face came from, kept with the template (default mqtt:enroll or camera:<id>). */
  readonly source?: string;
  /** Refuse a photo with several faces (FACE_AMBIGUOUS) instead of taking the largest: web uploads. */
  readonly single?: boolean;
}

export interface PrepareParams {
  /** undefined: the config's own models (a rollback to them). */
  readonly recognizer: RecognizerOverride | undefined;
  /** The installed package, for its golden self-test (absent for the config's models). */
  readonly selfTest?: { readonly dir: string; readonly manifest: ModelPackageManifest };
}

export interface GalleryInfo {
  readonly identities: number;
  readonly templates: number;
  readonly generation: number;
}

type Empty = Record<string, never>;

/** A face of the live frame as the web draws it (boxes in the browser). */
export interface LiveFace {
  readonly trackId: number;
  readonly box: Box;
  readonly state: 'deciding' | 'known' | 'unknown';
  readonly personId: string | null;
  readonly name: string | null;
  readonly score: number | null;
}

export interface RpcMap {
  enroll: { params: EnrollParams; result: { person: PersonSummary & { added: number; skipped: number }; quality: { ok: boolean; reasons: readonly string[]; messages: readonly string[] }; box: Box; verdict: PhotoVerdict } };
  forget: { params: { personId: string }; result: { removed: string; templates: number } };
  list: { params: Empty; result: { people: PersonSummary[] } };
  people: { params: Empty; result: { people: PersonDetails[] } };
  /** A template's aligned crop as JPEG bytes (base64 only at the edge that needs it). */
  crop: { params: { personId: string; templateId: string }; result: { jpeg: Uint8Array } };
  rename: { params: { personId: string; name: string }; result: PersonSummary };
  merge: { params: { personId: string; into: string }; result: PersonSummary & { moved: number } };
  removeTemplate: { params: { personId: string; templateId: string }; result: { removed: string } };
  snapshot: { params: { camera: string; annotate?: boolean }; result: { camera: string; ts: string; width: number; height: number; jpeg: string; faces: LiveFace[] } };
  /** Every face of the camera's last frame or of a photo, frozen for a later enrollFace (the web's enroll flow). */
  faces: { params: { camera: string } | { image: Uint8Array }; result: { width: number; height: number; frameJpeg: string; faces: FoundFace[]; threshold: number } };
  enrollFace: { params: EnrollFaceParams; result: unknown };
  refreshGallery: { params: Empty; result: { people: number } };
  /** Masks / minFacePx saved from the web UI, applied from the next frame (filters.ts). */
  cameraFilters: { params: CameraFilterInit; result: { camera: string } };
  /** A face-library group was marked "Not a face": re-read <dataDir>/face-library-ignored.json. */
  ignoredFaces: { params: Empty; result: { groups: number } };
  galleryInfo: { params: Empty; result: GalleryInfo };
  stats: { params: Empty; result: { models: Record<string, { runs: number; totalRunMs: number; target: string }>; precision: string } };
  galleryReembed: { params: { path: string }; result: { generation: number; templates: number } };
  galleryClose: { params: Empty; result: void };
  galleryOpen: { params: Empty; result: GalleryInfo };
  modelPrepare: { params: PrepareParams; result: { modelId: string; embeddingSize: number; warmupMs: number; selfTest?: { minCosine: number; tolerance: number } } };
  modelBuildGallery: { params: Empty; result: { generation: number; templates: number; resumed: number } };
  modelCommit: { params: { generation?: number }; result: { models: Record<string, string>; threshold: number; gallery: GalleryInfo } };
  modelDiscard: { params: Empty; result: void };
}

export type RpcMethod = keyof RpcMap;
export type RpcParams<M extends RpcMethod> = RpcMap[M]['params'];
export type RpcResult<M extends RpcMethod> = RpcMap[M]['result'];
