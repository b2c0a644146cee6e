/**
 * The inference contract every backend implements (onnxruntime-node, the native TensorRT
 * addon). Pipeline code only ever sees these types; it never imports a runtime directly.
 */

export type TensorType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

export type TensorData = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

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

/** Where a model can run, in the order a caller prefers them. */
export type ExecutionTarget =
  /** the native TensorRT addon (sdk/native/tensorrt): FP16/INT8 + engine cache */
  | 'tensorrt'
  /** onnxruntime-node's CUDA execution provider */
  | 'cuda'
  /** onnxruntime-node's CPU execution provider: available everywhere */
  | 'cpu';

export type Precision = 'fp32' | 'fp16' | 'int8';

export interface SessionOptions {
  /** Candidates tried in order; default ['cpu']. */
  readonly targets?: readonly ExecutionTarget[];
  /** Throw BACKEND_UNAVAILABLE (naming every target that fails) instead of falling back when the first target cannot load. Default false. */
  readonly strict?: boolean;
  /** Intra-op threads for CPU execution. Default 2 (see ARCHITECTURE.md: spinning off). */
  readonly threads?: number;
  /** Precision for TensorRT engines. Default 'fp32'. */
  readonly precision?: Precision;
  /** Run the model once on zeros after loading so the first real call is not slow. Default false. */
  readonly warmup?: boolean;
  /** Max batch size for a dynamic batch axis (TensorRT optimisation profile; not on DLA, which runs tensorrt.optBatch only). Default 8. */
  readonly maxBatch?: number;
  /** Where the one-line fallback summary and engine-cache notes go. Default console.warn. */
  readonly logger?: (line: string) => void;
  /** onnxruntime graph optimisation level. Default 'all'. */
  readonly graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** CUDA device index for 'cuda' and 'tensorrt'. Default 0. */
  readonly deviceId?: number;
  /** Options only the native TensorRT backend reads. */
  readonly tensorrt?: TensorRtOptions;
}

/** Min/opt/max shapes of one input for a TensorRT optimisation profile. */
export interface ProfileShape {
  readonly min: readonly number[];
  readonly opt: readonly number[];
  readonly max: readonly number[];
}

export interface TensorRtOptions {
  /** Engine cache directory. Default $ARCEDGE_ENGINE_CACHE, else $XDG_CACHE_HOME or ~/.cache + /arcedge/tensorrt. */
  readonly cacheDir?: string;
  /** Builder workspace limit in MiB (setMemoryPoolLimit kWORKSPACE). Default 1024. */
  readonly workspaceMb?: number;
  /** Batch size the profile is tuned for (kOPT). Default 1. On DLA the only batch the engine runs (DLA shapes are static). */
  readonly optBatch?: number;
  /**
   * Run on this DLA core (Xavier/Orin; 0..info().dlaCores-1), layers DLA cannot run fall back to the GPU (logged).
   * Needs fp16 or int8, and static shapes: the batch is tensorrt.optBatch and inputShapes need min = opt = max.
   */
  readonly dlaCore?: number;
  /** Profiles for inputs with dynamic non-batch axes (e.g. a detector's H and W), keyed by input name. */
  readonly inputShapes?: Readonly<Record<string, ProfileShape>>;
  /** Reuse and update a per-TensorRT-version timing cache next to the engines. Default true. */
  readonly timingCache?: boolean;
}

export interface SessionStats {
  /** Number of run() calls. */
  runs: number;
  /** Sum of wall-clock milliseconds spent inside the runtime's own run call. */
  totalRunMs: number;
}

export interface InferenceSession {
  /** The target the session actually runs on after any fallback. */
  readonly target: ExecutionTarget;
  readonly modelPath: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Raw model time, for benchmarks (end-to-end / raw ratio). */
  readonly stats: SessionStats;
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  /** Releases native memory; idempotent. run() after dispose() throws BACKEND_DISPOSED. */
  dispose(): Promise<void>;
}

export interface BackendProbe {
  readonly target: ExecutionTarget;
  readonly available: boolean;
  /** Why not, when unavailable; what it found, when available. */
  readonly reason: string;
  readonly details?: Readonly<Record<string, string>>;
}

export interface InferenceBackend {
  readonly target: ExecutionTarget;
  probe(): Promise<BackendProbe>;
  load(modelPath: string, options: SessionOptions): Promise<InferenceSession>;
}
