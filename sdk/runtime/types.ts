/**
 * The inference contract every backend implements (onnxruntime-node, the native TensorRT
 * addon). Pipeline code only ever sees these types; it never imports a runtime directly.
 */

/** Element types a Tensor can hold (float16 is stored as its raw 16-bit pattern). */
export type TensorType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

export type TensorData = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/** A typed array with its element type and dimensions: the input and output of InferenceSession.run(). */
export interface Tensor {
  readonly type: TensorType;
  readonly data: TensorData;
  readonly dims: readonly number[];
}

/** A model input/output as declared by the model; symbolic dims are strings (e.g. 'batch'), unknown are -1. */
export interface TensorInfo {
  readonly name: string;
  readonly type: TensorType | 'unknown';
  readonly shape: readonly (number | string)[];
}

// Options types are inferred from the zod schemas in options.ts (one definition each).
export type { ExecutionTarget, Precision, SessionOptions, TensorRtOptions, ProfileShape } from './options.ts';
import type { ExecutionTarget, SessionOptions } from './options.ts';

/** Counters of a session: runs and milliseconds spent in the runtime. */
export interface SessionStats {
  /** Number of run() calls. */
  runs: number;
  /** Sum of wall-clock milliseconds spent inside the runtime's own run call. */
  totalRunMs: number;
}

/** A model loaded on one execution target: its inputs and outputs, run(), stats and dispose(). */
export interface InferenceSession {
  /** The target the session actually runs on after any fallback. */
  readonly target: ExecutionTarget;
  readonly modelPath: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Raw model time, for benchmarks (end-to-end / raw ratio). */
  readonly stats: SessionStats;
  /**
   * Largest batch one run() accepts on the first input's batch axis: the fixed batch for a
   * static axis (1 for most exported recognizers), SessionOptions.maxBatch for a dynamic one
   * (Infinity on onnxruntime unless set; the profile max on TensorRT). Callers that batch
   * (the embedder) split their work into chunks no larger than this.
   */
  readonly batchLimit: number;
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  /** Releases native memory; idempotent. run() after dispose() throws BACKEND_DISPOSED. */
  dispose(): Promise<void>;
}

/** Whether an execution target can run here, and why (not). */
export interface BackendProbe {
  readonly target: ExecutionTarget;
  readonly available: boolean;
  /** Why not, when unavailable; what it found, when available. */
  readonly reason: string;
  readonly details?: Readonly<Record<string, string>>;
}

/** One execution target's runtime (onnxruntime CPU/CUDA, TensorRT): probe() and load(). */
export interface InferenceBackend {
  readonly target: ExecutionTarget;
  probe(): Promise<BackendProbe>;
  load(modelPath: string, options: SessionOptions): Promise<InferenceSession>;
}
