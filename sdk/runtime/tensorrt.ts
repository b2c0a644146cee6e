/**
 * The native TensorRT backend: the only file that loads the addon in sdk/native/tensorrt.
 * It builds an engine from the ONNX file (FP32/FP16, INT8 from the model's Q/DQ nodes), keeps
 * it in the engine cache (engine-cache.ts) and runs it. The addon exists only where someone ran
 * `npm run build:tensorrt` on a machine with TensorRT + CUDA (JetPack); everywhere else this
 * backend reports itself unavailable with the path it looked for and that command.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ArcEdgeError } from '../errors.ts';
import {
  defaultCacheDir,
  ensureCacheDir,
  readCachedEngine,
  readTimingCache,
  slotName,
  timingCachePath,
  writeCachedEngine,
  writeTimingCache,
} from './engine-cache.ts';
import type { EngineKeyParts } from './engine-cache.ts';
import { acquireBuildLock, type BuildLock } from './build-lock.ts';
import { sha256File } from '../storage/sha256.ts';
import { SESSION_DEFAULTS, TENSORRT_DEFAULTS } from './options.ts';
import { batchLimitOf, validateFeeds, warmUp } from './tensor.ts';
import { checkDlaCore, checkTensorRtFeeds, planBuildProfile, staticRunShapes } from './tensorrt-plan.ts';
import type { BuildProfile } from './tensorrt-plan.ts';
import type { TensorRtNative, NativeEngine, NativeInfo } from './tensorrt-native.ts';
import type {
  BackendProbe,
  InferenceBackend,
  InferenceSession,
  ProfileShape,
  SessionOptions,
  SessionStats,
  Tensor,
  TensorData,
  TensorInfo,
  TensorType,
} from './types.ts';

export const ADDON_BUILD_COMMAND = 'npm run build:tensorrt';
const ADDON_RELATIVE = join('sdk', 'native', 'tensorrt', 'build', 'Release', 'arcedge_tensorrt.node');

// Every default comes from runtime/options.ts; TensorRT's profile needs a finite max batch.
const DEFAULTS = {
  precision: SESSION_DEFAULTS.precision,
  maxBatch: SESSION_DEFAULTS.tensorrtMaxBatch,
  deviceId: SESSION_DEFAULTS.deviceId,
  warmup: SESSION_DEFAULTS.warmup,
  ...TENSORRT_DEFAULTS,
} as const;

/**
 * Where the addon should be: ARCEDGE_TENSORRT_ADDON, else the package root's build folder. The
 * package root is found by walking up from this file, which sits at sdk/runtime/ in the source
 * tree and at dist/sdk/ in the bundle.
 */
export function addonPath(): string {
  if (process.env.ARCEDGE_TENSORRT_ADDON) return resolve(process.env.ARCEDGE_TENSORRT_ADDON);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sdk', 'native', 'tensorrt'))) return join(dir, ADDON_RELATIVE);
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ADDON_RELATIVE);
}

let cachedAddon: { addon: TensorRtNative } | { error: string } | undefined;

/** Loads the addon once; the failure reason is kept so every probe says the same thing. */
export function loadAddon(): { addon: TensorRtNative } | { error: string } {
  if (cachedAddon) return cachedAddon;
  const path = addonPath();
  if (!existsSync(path)) {
    cachedAddon = { error: `TensorRT addon not built: looked for ${path}; build it on the device with \`${ADDON_BUILD_COMMAND}\` (needs TensorRT and CUDA, see "Running on Jetson" in the README)` };
  } else {
    try {
      cachedAddon = { addon: createRequire(import.meta.url)(path) as TensorRtNative };
    } catch (error) {
      cachedAddon = {
        error: `TensorRT addon at ${path} failed to load: ${(error as Error).message}; rebuild it with \`${ADDON_BUILD_COMMAND}\` after a TensorRT/JetPack or Node upgrade`,
      };
    }
  }
  return cachedAddon;
}

const TRT_TYPES: Record<string, TensorType> = { float32: 'float32', float16: 'float16', int8: 'int8', uint8: 'uint8', int32: 'int32', int64: 'int64', bool: 'bool' };

function asTensorData(type: TensorType, buffer: ArrayBuffer): TensorData {
  switch (type) {
    case 'float32': return new Float32Array(buffer);
    case 'float16': return new Uint16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'uint8':
    case 'bool': return new Uint8Array(buffer);
  }
}

/** Canonical text of the optimisation profile: part of the engine key. */
export function profileSpec(minBatch: number, optBatch: number, maxBatch: number, inputShapes: Readonly<Record<string, ProfileShape>>): string {
  const shapes = Object.keys(inputShapes)
    .sort()
    .map((name) => [name, inputShapes[name]!.min, inputShapes[name]!.opt, inputShapes[name]!.max]);
  return JSON.stringify({ batch: [minBatch, optBatch, maxBatch], shapes });
}

class TensorRtSession implements InferenceSession {
  readonly target = 'tensorrt' as const;
  readonly stats: SessionStats = { runs: 0, totalRunMs: 0 };
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly batchLimit: number;
  private disposed = false;
  // One execution context, one stream and one set of pinned buffers per engine: runs take turns.
  private queue: Promise<unknown> = Promise.resolve();
  /** Set for a DLA engine: it runs exactly these shapes. */
  private readonly runShapes: Record<string, number[]> | undefined;

  constructor(
    readonly modelPath: string,
    private readonly engine: NativeEngine,
    profile: BuildProfile,
  ) {
    const io = engine.io();
    const info = (mode: 'input' | 'output'): TensorInfo[] =>
      io.filter((t) => t.mode === mode).map((t) => ({ name: t.name, type: TRT_TYPES[t.type] ?? 'unknown', shape: t.shape }));
    const inputs = info('input');
    this.runShapes = profile.exactShapes ? staticRunShapes(inputs, profile) : undefined;
    // A DLA engine runs only its built shapes: report those, so warm-up and callers feed them.
    this.inputs = this.runShapes ? inputs.map((input) => ({ ...input, shape: this.runShapes![input.name]! })) : inputs;
    this.outputs = info('output');
    // On DLA the inputs now carry the static batch, so batchLimitOf returns it.
    this.batchLimit = batchLimitOf(this.inputs, profile.maxBatch);
  }

  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    if (this.disposed) return Promise.reject(new ArcEdgeError('BACKEND_DISPOSED', `the tensorrt session for ${this.modelPath} was disposed`));
    try {
      // TensorRT's own limits first: their messages say why (empty, rank, DLA's built shape).
      checkTensorRtFeeds(this.modelPath, feeds, this.runShapes);
      validateFeeds(this.modelPath, this.inputs, feeds, this.batchLimit);
    } catch (error) {
      return Promise.reject(error);
    }
    const turn = this.queue.then(() => this.runNow(feeds));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async runNow(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new ArcEdgeError('BACKEND_DISPOSED', `the tensorrt session for ${this.modelPath} was disposed`);
    const started = performance.now();
    let raw: Awaited<ReturnType<NativeEngine['run']>>;
    try {
      raw = await this.engine.run(feeds);
    } catch (cause) {
      throw new ArcEdgeError('BACKEND_RUN_FAILED', `TensorRT failed to run ${this.modelPath}: ${(cause as Error).message}`, { cause });
    }
    this.stats.totalRunMs += performance.now() - started;
    this.stats.runs += 1;
    const outputs: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(raw)) {
      const type = TRT_TYPES[value.type];
      if (!type) throw new ArcEdgeError('MODEL_IO_MISMATCH', `output "${name}" has TensorRT type ${value.type}, which arcedge does not handle`);
      outputs[name] = { type, dims: value.dims, data: asTensorData(type, value.data) };
    }
    return outputs;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    this.engine.dispose();
  }
}

export function createTensorRtBackend(): InferenceBackend {
  const probe = async (): Promise<BackendProbe> => {
    const loaded = loadAddon();
    if ('error' in loaded) return { target: 'tensorrt', available: false, reason: loaded.error, details: { addon: addonPath() } };
    let info: NativeInfo;
    try {
      info = loaded.addon.info();
    } catch (error) {
      return { target: 'tensorrt', available: false, reason: `TensorRT addon loaded but cannot query CUDA: ${(error as Error).message}` };
    }
    const details = {
      addon: addonPath(),
      tensorrt: info.tensorrtVersion,
      tensorrtCompiled: info.compiledTensorrtVersion,
      cudaRuntime: info.cudaRuntimeVersion,
      cudaDriver: info.cudaDriverVersion,
      dlaCores: String(info.dlaCores),
      engineCache: defaultCacheDir(),
      ...(info.devices[0]
        ? {
            gpu: info.devices[0].name,
            computeCapability: info.devices[0].computeCapability,
            ...(info.devices[0].multiProcessorCount !== undefined ? { multiProcessors: String(info.devices[0].multiProcessorCount) } : {}),
            memoryGiB: String(Math.round(info.devices[0].totalMemoryBytes / 2 ** 30)),
          }
        : {}),
    };
    if (info.devices.length === 0) {
      return { target: 'tensorrt', available: false, reason: `TensorRT ${info.tensorrtVersion} found but no CUDA device: ${info.deviceError ?? 'cudaGetDeviceCount returned 0'}`, details };
    }
    const gpu = info.devices[0]!;
    return { target: 'tensorrt', available: true, reason: `TensorRT ${info.tensorrtVersion} on ${gpu.name} (compute ${gpu.computeCapability})`, details };
  };

  return {
    target: 'tensorrt',
    probe,
    async load(modelPath: string, options: SessionOptions): Promise<InferenceSession> {
      const loaded = loadAddon();
      if ('error' in loaded) throw new ArcEdgeError('BACKEND_UNAVAILABLE', loaded.error, { fix: `run \`${ADDON_BUILD_COMMAND}\` on the device` });
      const addon = loaded.addon;
      const trt = { ...DEFAULTS, ...options.tensorrt };
      const settings = { ...DEFAULTS, ...options };
      const log = options.logger ?? ((line: string) => console.warn(line));
      const info = addon.info();
      const gpu = info.devices[settings.deviceId];
      if (!gpu) throw new ArcEdgeError('BACKEND_UNAVAILABLE', `no CUDA device ${settings.deviceId} (found ${info.devices.length})`, { details: { deviceError: info.deviceError } });
      if (trt.dlaCore >= 0 && settings.precision === 'fp32') {
        throw new ArcEdgeError('INVALID_ARGUMENT', `DLA core ${trt.dlaCore} was asked for with precision fp32; DLA runs only fp16 or int8`, {
          fix: "pass precision: 'fp16' (or 'int8' for a Q/DQ model) with tensorrt.dlaCore",
        });
      }
      checkDlaCore(trt.dlaCore, info.dlaCores);
      const profile = planBuildProfile({ dlaCore: trt.dlaCore, optBatch: trt.optBatch, maxBatch: settings.maxBatch, inputShapes: trt.inputShapes ?? {} });
      // Only when the caller asked for a larger batch: the default maxBatch is not a request.
      if (trt.dlaCore >= 0 && options.maxBatch !== undefined && options.maxBatch !== profile.maxBatch) {
        log(`arcedge tensorrt: DLA core ${trt.dlaCore} runs a static batch: building ${modelPath} for batch ${profile.optBatch} (tensorrt.optBatch), not up to maxBatch ${settings.maxBatch}`);
      }
      const parts: EngineKeyParts = {
        modelSha256: await sha256File(modelPath),
        tensorrtVersion: info.tensorrtVersion,
        gpuName: gpu.name,
        computeCapability: gpu.computeCapability,
        multiProcessors: gpu.multiProcessorCount ?? 0,
        memoryGiB: Math.round(gpu.totalMemoryBytes / 2 ** 30),
        precision: settings.precision,
        profile: profileSpec(profile.minBatch, profile.optBatch, profile.maxBatch, profile.inputShapes),
        dlaCore: trt.dlaCore,
      };
      const cacheDir = trt.cacheDir ?? defaultCacheDir();
      const slot = slotName(modelPath, settings.precision, trt.dlaCore);
      let cached = await readCachedEngine(cacheDir, slot, parts);
      let lock: BuildLock | undefined;
      if (!cached.hit) {
        // One build per slot across processes (every worker loads the same models on first start).
        await ensureCacheDir(cacheDir);
        lock = await acquireBuildLock(cacheDir, slot, {
          onWait: (holder) => log(`arcedge tensorrt: ${holder} is building the engine for ${modelPath} (${slot}); waiting for it instead of building it twice`),
          done: async () => (cached = await readCachedEngine(cacheDir, slot, parts)).hit,
        });
        // The holder we waited for may have stored exactly this engine.
        if (lock.held) cached = await readCachedEngine(cacheDir, slot, parts);
      }
      let plan: Uint8Array;
      try {
        if (cached.hit) {
          plan = cached.engine;
        } else {
          log(`arcedge tensorrt: building a ${settings.precision} engine for ${modelPath} (${cached.reason}); this takes a while once, then it is cached in ${cacheDir}`);
          await ensureCacheDir(cacheDir);
          const timingPath = timingCachePath(cacheDir, info.tensorrtVersion, gpu.name);
          const timingCache = trt.timingCache ? await readTimingCache(timingPath) : undefined;
          const started = performance.now();
          let built: Awaited<ReturnType<TensorRtNative['buildEngine']>>;
          try {
            built = await addon.buildEngine(resolve(modelPath), {
              device: settings.deviceId,
              precision: settings.precision,
              minBatch: profile.minBatch,
              optBatch: profile.optBatch,
              maxBatch: profile.maxBatch,
              inputShapes: profile.inputShapes,
              workspaceBytes: trt.workspaceMb * 1024 * 1024,
              dlaCore: trt.dlaCore,
              ...(timingCache ? { timingCache } : {}),
            });
          } catch (cause) {
            throw new ArcEdgeError('BACKEND_LOAD_FAILED', `TensorRT could not build an engine from ${modelPath}: ${(cause as Error).message}`, {
              cause,
              fix: 'read the TensorRT log lines above; for dynamic image sizes pass tensorrt.inputShapes, for INT8 use a model with Q/DQ nodes',
            });
          }
          const buildMs = performance.now() - started;
          plan = built.engine;
          const enginePath = await writeCachedEngine(cacheDir, slot, parts, plan, { modelPath, buildMs });
          if (trt.timingCache && built.timingCache) await writeTimingCache(timingPath, built.timingCache);
          log(`arcedge tensorrt: built ${enginePath} in ${(buildMs / 1000).toFixed(1)} s`);
          if (built.dlaFallbackLayers.length > 0) {
            const names = built.dlaFallbackLayers.slice(0, 10).join(', ') + (built.dlaFallbackLayers.length > 10 ? ', ...' : '');
            log(`arcedge tensorrt: ${built.dlaFallbackLayers.length} layer(s) of ${modelPath} cannot run on DLA core ${trt.dlaCore} and run on the GPU: ${names}`);
          }
        }
      } finally {
        await lock?.release();
      }
      let engine: NativeEngine;
      try {
        engine = new addon.Engine(plan, { device: settings.deviceId, dlaCore: trt.dlaCore });
      } catch (cause) {
        throw new ArcEdgeError('BACKEND_LOAD_FAILED', `TensorRT could not deserialize the engine for ${modelPath}: ${(cause as Error).message}`, {
          cause,
          fix: `delete ${join(cacheDir, `${slot}.json`)} to force a rebuild`,
        });
      }
      const session = new TensorRtSession(modelPath, engine, profile);
      return settings.warmup ? warmUp(session) : session;
    },
  };
}
