/**
 * Messages between the agent's main process (MQTT, cameras, commands) and a pipeline process
 * (models, tracker, gallery), over the child's IPC channel with 'advanced' serialization (the
 * structured-clone algorithm): frame pixels travel as Uint8Arrays, copied once into the pipe.
 */
import type { RecognitionEvent } from '../../sdk/index.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { RecognizerOverride, RpcMethod } from './rpc.ts';
import type { CameraFilter } from './filters.ts';
import type { FrameSlot } from './frame-slots.ts';

export type { RecognizerOverride } from './rpc.ts';

export interface WorkerInit {
  readonly device: string;
  readonly models: string;
  /** The deployed recognizer (models/current.json), in place of the set's embed model. */
  readonly recognizer?: RecognizerOverride | undefined;
  readonly inference: AgentConfig['inference'];
  readonly galleryPath: string;
  readonly threshold: number | undefined;
  readonly tracking: AgentConfig['tracking'];
  readonly motion: AgentConfig['motion'];
  readonly cooldownMs: number;
  readonly cameras: readonly ({ id: string; snapshots: boolean } & Partial<CameraFilter>)[];
  /**
   * The agent's data folder: the worker re-reads the web UI's camera settings and the face
   * library's ignored faces from it at every (re)start, so a restarted worker keeps what the UI
   * saved since the config was loaded (filters.ts).
   */
  readonly dataDir?: string | undefined;
}

export interface FrameMessage {
  readonly camera: string;
  readonly width: number;
  readonly height: number;
  readonly ts: number;
  /** width * height * 3 bytes, BGR: in a shared-memory slot (frame-slots.ts), or inline where there is none. */
  readonly slot?: FrameSlot;
  readonly data?: Uint8Array;
}


/** What the status topic says about the serving recognizer and gallery. */
export interface ServingInfo {
  readonly modelId: string;
  readonly embeddingSize: number;
  readonly gallery: { readonly identities: number; readonly templates: number; readonly generation: number };
}

export type ToWorker =
  | { readonly type: 'init'; readonly init: WorkerInit }
  | { readonly type: 'frames'; readonly frames: readonly FrameMessage[] }
  | { readonly type: 'rpc'; readonly id: number; readonly method: RpcMethod; readonly params: unknown }
  | { readonly type: 'camera-stopped'; readonly camera: string }
  | { readonly type: 'configure'; readonly init: WorkerInit }
  | { readonly type: 'stop' };

export interface BatchStats {
  /** Per camera: faces detected, tracks alive after this batch, and whether the detector ran (motion gating). */
  readonly cameras: Record<string, { faces: number; tracks: number; detected: boolean }>;
  /** Milliseconds spent per stage on this batch. */
  readonly stagesMs: Record<string, number>;
  readonly embedded: number;
  /** Per camera: decision events dropped this batch because the face was marked "Not a face". */
  readonly ignored?: Record<string, number>;
}

export type FromWorker =
  | { readonly type: 'building' }
  | { readonly type: 'stopped' }
  | {
      readonly type: 'ready';
      readonly models: Record<string, string>;
      readonly threshold: number;
      readonly serving: ServingInfo;
      /** The detector's input width (pixels), when it has one: the capture's default frame width (create-source.ts). */
      readonly detectorInputWidth?: number;
    }
  | { readonly type: 'init-failed'; readonly error: { code: string; message: string; fix: string } }
  | {
      readonly type: 'batch-done';
      readonly events: readonly RecognitionEvent[];
      /** Face JPEG bytes per decision event id (kept in the history; base64 only on MQTT). */
      readonly snapshots?: Readonly<Record<string, Uint8Array>>;
      /** The full frame with the face boxed (JPEG) by event id, for the event history only (filters.ts). */
      readonly frames?: Readonly<Record<string, Uint8Array>>;
      readonly stats: BatchStats;
    }
  | { readonly type: 'events'; readonly events: readonly RecognitionEvent[] }
  | { readonly type: 'rpc-result'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'rpc-result'; readonly id: number; readonly ok: false; readonly error: { code: string; message: string; fix: string; details?: Record<string, unknown> } }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string; readonly fields?: Record<string, unknown> };
