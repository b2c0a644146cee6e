/**
 * The onnxruntime-node backend (CPU everywhere, CUDA where the CUDA provider libraries were
 * installed). The only file in the project that imports onnxruntime-node.
 *
 * ORT's own TensorRT execution provider is deliberately not exposed: its Node binding passes
 * no provider options (only deviceId; microsoft/onnxruntime#26854), so FP16, INT8 and the
 * engine cache are unreachable through it. The 'tensorrt' target is the native addon instead.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { ArcEdgeError } from '../errors.ts';
import { SESSION_DEFAULTS } from './options.ts';
import { batchLimitOf, validateFeeds, warmUp } from './tensor.ts';
import type {
  BackendProbe,
  InferenceBackend,
  InferenceSession,
  SessionOptions,
  SessionStats,
  Tensor,
  TensorInfo,
  TensorType,
} from './types.ts';

export type OrtTarget = 'cpu' | 'cuda';


const KNOWN_TYPES = new Set<string>(['float32', 'float16', 'int8', 'uint8', 'int32', 'int64', 'bool']);

function toTensorInfo(meta: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'unknown', shape: [] };
  // Unnamed dynamic axes come back as '' or '?': normalise them to -1 as the contract says.
  const shape = meta.shape.map((dim) => (typeof dim === 'number' ? dim : dim === '' || dim === '?' ? -1 : dim));
  return { name: meta.name, type: KNOWN_TYPES.has(meta.type) ? (meta.type as TensorType) : 'unknown', shape };
}

/** Wraps without copying: ort.Tensor keeps a reference to our typed array. */
function toOrtTensor(tensor: Tensor): ort.Tensor {
  return new ort.Tensor(tensor.type, tensor.data as ort.Tensor.DataType, tensor.dims);
}

/** Unwraps without copying: the typed array onnxruntime-node filled becomes ours. */
function fromOrtTensor(name: string, value: ort.OnnxValue): Tensor {
  const tensor = value as ort.Tensor;
  if (!KNOWN_TYPES.has(tensor.type)) {
    throw new ArcEdgeError('MODEL_IO_MISMATCH', `output "${name}" has type ${tensor.type}, which arcedge does not handle`);
  }
  return { type: tensor.type as TensorType, data: tensor.data as Tensor['data'], dims: tensor.dims };
}

/**
 * onnxruntime-node loads the CUDA provider from a shared library next to its binding; the npm
 * install skips it on arm64 and with ONNXRUNTIME_NODE_INSTALL_CUDA=skip. Checking for the file
 * first gives a clear reason and keeps ORT's own error spew out of the fallback path.
 */
function cudaProviderLibrary(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  return join(packageDir, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
}

class OrtSession implements InferenceSession {
  readonly stats: SessionStats = { runs: 0, totalRunMs: 0 };
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly batchLimit: number;
  private disposed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly target: OrtTarget,
    readonly modelPath: string,
    private readonly session: ort.InferenceSession,
    maxBatch: number,
    private readonly profiling = false,
  ) {
    this.inputs = session.inputMetadata.map(toTensorInfo);
    this.outputs = session.outputMetadata.map(toTensorInfo);
    this.batchLimit = batchLimitOf(this.inputs, maxBatch);
  }

  async run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new ArcEdgeError('BACKEND_DISPOSED', `the ${this.target} session for ${this.modelPath} was disposed`);
    validateFeeds(this.modelPath, this.inputs, feeds, this.batchLimit);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(tensor);
    const started = performance.now();
    const pending = this.session.run(ortFeeds);
    this.inFlight.add(pending);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await pending;
    } catch (cause) {
      throw new ArcEdgeError('BACKEND_RUN_FAILED', `onnxruntime (${this.target}) failed to run ${this.modelPath}: ${(cause as Error).message}`, {
        cause,
      });
    } finally {
      this.inFlight.delete(pending);
    }
    this.stats.totalRunMs += performance.now() - started;
    this.stats.runs += 1;
    const outputs: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(results)) outputs[name] = fromOrtTensor(name, value);
    return outputs;
  }

  /** Waits for runs already started, then frees the native session (release() is not safe mid-run). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.allSettled([...this.inFlight]);
    if (this.profiling) this.session.endProfiling();
    await this.session.release();
  }
}

export function createOnnxRuntimeBackend(target: OrtTarget): InferenceBackend {
  const version = ort.env.versions.node ?? 'unknown';
  return {
    target,
    async probe(): Promise<BackendProbe> {
      if (target === 'cpu') {
        return { target, available: true, reason: `onnxruntime-node ${version}, CPU execution provider`, details: { onnxruntime: version } };
      }
      const library = cudaProviderLibrary();
      if (!existsSync(library)) {
        return {
          target,
          available: false,
          reason:
            `onnxruntime-node ${version} has no CUDA provider here (looked for ${library}): the linux-arm64 build ` +
            'is CPU-only, and on x64 the CUDA libraries are only present when installed without ONNXRUNTIME_NODE_INSTALL=skip ' +
            '(on a Jetson use the tensorrt target instead)',
          details: { onnxruntime: version, library },
        };
      }
      return { target, available: true, reason: `onnxruntime-node ${version}, CUDA provider library found`, details: { onnxruntime: version, library } };
    },
    async load(modelPath: string, options: SessionOptions): Promise<InferenceSession> {
      const settings = { ...SESSION_DEFAULTS, ...options };
      if (target === 'cuda') {
        const probe = await this.probe();
        if (!probe.available) throw new ArcEdgeError('BACKEND_UNAVAILABLE', probe.reason);
      }
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(modelPath, {
          executionProviders: target === 'cuda' ? [{ name: 'cuda', deviceId: settings.deviceId }] : ['cpu'],
          intraOpNumThreads: settings.threads,
          interOpNumThreads: 1,
          graphOptimizationLevel: settings.graphOptimization,
          // Spinning workers steal the core Node's main thread needs between runs (ARCHITECTURE.md).
          extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
          // Errors only: SCRFD exports store 640x640 output shapes, so every other input size
          // would print nine VerifyOutputSizes warnings per run.
          logSeverityLevel: 3,
          ...(settings.profileFilePrefix ? { enableProfiling: true, profileFilePrefix: settings.profileFilePrefix } : {}),
        });
      } catch (cause) {
        throw new ArcEdgeError('BACKEND_LOAD_FAILED', `onnxruntime (${target}) cannot load ${modelPath}: ${(cause as Error).message}`, {
          cause,
          fix: 'check that the file is a complete ONNX model (its sha256 against the registry) and that this target supports its operators',
        });
      }
      const wrapped = new OrtSession(target, modelPath, session, settings.maxBatch, settings.profileFilePrefix !== undefined);
      return settings.warmup ? warmUp(wrapped) : wrapped;
    },
  };
}
