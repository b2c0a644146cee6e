/**
 * The JavaScript surface of the native addon (sdk/native/tensorrt/src/addon.cc). Keep the two
 * in step: this file is the only description TypeScript has of what the C++ exports.
 */
import type { Precision, ProfileShape, TensorData } from './types.ts';

export interface NativeDevice {
  readonly index: number;
  readonly name: string;
  /** 'major.minor', e.g. '8.7' (Orin), '7.2' (Xavier). */
  readonly computeCapability: string;
  readonly totalMemoryBytes: number;
  /** true on Jetson (the GPU shares system memory). */
  readonly integrated: boolean;
  /** Streaming multiprocessors (Orin Nano 4 GB: 4, Nano 8 GB / NX: 8, AGX: 14-16); absent from addons built before it was added. */
  readonly multiProcessorCount?: number;
}

export interface NativeInfo {
  /** Version of the libnvinfer loaded at run time, 'major.minor.patch'. */
  readonly tensorrtVersion: string;
  /** Version of the headers the addon was compiled against. */
  readonly compiledTensorrtVersion: string;
  readonly cudaRuntimeVersion: string;
  readonly cudaDriverVersion: string;
  readonly devices: readonly NativeDevice[];
  /** DLA cores TensorRT can use on device 0 (2 on AGX Xavier/Orin, 0 elsewhere). */
  readonly dlaCores: number;
  /** Set when CUDA could not enumerate devices. */
  readonly deviceError?: string;
}

export interface NativeBuildOptions {
  readonly device: number;
  readonly precision: Precision;
  readonly minBatch: number;
  readonly optBatch: number;
  readonly maxBatch: number;
  readonly inputShapes: Readonly<Record<string, ProfileShape>>;
  readonly workspaceBytes: number;
  /** -1 for the GPU. With a DLA core the addon requires minBatch = optBatch = maxBatch and static inputShapes. */
  readonly dlaCore: number;
  readonly timingCache?: Uint8Array;
}

export interface NativeBuildResult {
  readonly engine: Buffer;
  /** The timing cache after the build (null when TensorRT returned none). */
  readonly timingCache: Buffer | null;
  /** TensorRT's warnings and errors during the build. */
  readonly log: readonly string[];
  /** With a DLA core: the layers IBuilderConfig::canRunOnDLA refused, which kGPU_FALLBACK puts on the GPU. */
  readonly dlaFallbackLayers: readonly string[];
}

export interface NativeTensorSpec {
  readonly name: string;
  readonly mode: 'input' | 'output';
  /** arcedge TensorType names, or TensorRT's own name ('fp8', 'bf16', ...) for types arcedge does not handle. */
  readonly type: string;
  /** -1 for dynamic axes. */
  readonly shape: readonly number[];
}

export interface NativeOutput {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ArrayBuffer;
}

export interface NativeEngine {
  io(): NativeTensorSpec[];
  /** One run at a time per engine (it owns one context, stream and set of pinned buffers). */
  run(feeds: Readonly<Record<string, { readonly type: string; readonly dims: readonly number[]; readonly data: TensorData }>>): Promise<Record<string, NativeOutput>>;
  /** Frees the context, engine, stream and buffers now; idempotent. */
  dispose(): void;
}

export interface TensorRtNative {
  info(): NativeInfo;
  buildEngine(onnxPath: string, options: NativeBuildOptions): Promise<NativeBuildResult>;
  Engine: new (plan: Uint8Array, options: { device: number; dlaCore: number }) => NativeEngine;
}
