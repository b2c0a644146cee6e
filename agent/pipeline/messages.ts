/**
 * Messages between the main thread (MQTT, cameras, commands) and a pipeline worker (models,
 * tracker, gallery). Frame pixels travel as transferred ArrayBuffers: moved, never copied.
 */
import type { RecognitionEvent } from '../../sdk/index.ts';
import type { AgentConfig } from '../config/schema.ts';

export interface WorkerInit {
  readonly device: string;
  readonly models: string;
  readonly inference: AgentConfig['inference'];
  readonly galleryPath: string;
  readonly threshold: number | undefined;
  readonly tracking: AgentConfig['tracking'];
  readonly cooldownMs: number;
  readonly cameras: readonly { id: string; snapshots: boolean }[];
}

export interface FrameMessage {
  readonly camera: string;
  readonly width: number;
  readonly height: number;
  readonly ts: number;
  readonly buffer: ArrayBuffer;
}

export type RpcMethod = 'enroll' | 'forget' | 'list' | 'snapshot' | 'refreshGallery' | 'stats' | 'people' | 'crop' | 'rename' | 'merge' | 'removeTemplate';

export type ToWorker =
  | { readonly type: 'frames'; readonly frames: readonly FrameMessage[] }
  | { readonly type: 'rpc'; readonly id: number; readonly method: RpcMethod; readonly params: unknown }
  | { readonly type: 'camera-stopped'; readonly camera: string }
  | { readonly type: 'configure'; readonly init: WorkerInit }
  | { readonly type: 'stop' };

export interface BatchStats {
  /** Per camera: faces detected and tracks alive after this batch. */
  readonly cameras: Record<string, { faces: number; tracks: number }>;
  /** Milliseconds spent per stage on this batch. */
  readonly stagesMs: Record<string, number>;
  readonly embedded: number;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly models: Record<string, string>; readonly threshold: number }
  | { readonly type: 'init-failed'; readonly error: { code: string; message: string; fix: string } }
  | { readonly type: 'batch-done'; readonly events: readonly RecognitionEvent[]; readonly stats: BatchStats }
  | { readonly type: 'events'; readonly events: readonly RecognitionEvent[] }
  | { readonly type: 'rpc-result'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'rpc-result'; readonly id: number; readonly ok: false; readonly error: { code: string; message: string; fix: string; details?: Record<string, unknown> } }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string; readonly fields?: Record<string, unknown> };
