/**
 * The on-disk cache of serialized TensorRT engines, kept in TypeScript so it is testable
 * without a GPU. A serialized engine only runs on the TensorRT version and GPU that built it
 * (TensorRT refuses or, worse, misbehaves otherwise), so every engine is stored with a sidecar
 * recording exactly what it was built from, and is never loaded under a different key.
 *
 * Layout (directory mode 0700, files 0600):
 *   <dir>/<slot>.json                 sidecar: key, key parts, engine file name, size, sha256
 *   <dir>/<slot>.<sha16>.engine       the engine, named by its own content hash
 *   <dir>/timing-<trt>-<gpu>.cache    TensorRT timing cache, shared by builds on that GPU
 * where slot = <model file stem>-<hash of its absolute path>-<precision>.
 *
 * Writes are atomic (temp file + rename) and the sidecar is the commit point: it is renamed
 * into place only after the engine it names is complete, so concurrent writers can each
 * replace the pair but a reader never sees a sidecar pointing at a partial engine.
 */
import { engineCacheDir } from '../storage/paths.ts';
import { chmod, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { sha256Hex } from '../storage/sha256.ts';
import type { Precision } from './types.ts';

/** Everything an engine depends on. Changing any one of them changes the key. */
export interface EngineKeyParts {
  readonly modelSha256: string;
  /** Runtime TensorRT version, e.g. '10.3.0'. */
  readonly tensorrtVersion: string;
  readonly gpuName: string;
  /** e.g. '8.7' for Orin. */
  readonly computeCapability: string;
  /**
   * Every Orin module calls its GPU "Orin" with compute 8.7: the SM count and the memory (GiB,
   * rounded) tell a Nano from an NX or an AGX, whose tuned tactics and memory budget differ.
   */
  readonly multiProcessors: number;
  readonly memoryGiB: number;
  readonly precision: Precision;
  /** Canonical description of the optimisation profile (batch range, explicit input shapes). */
  readonly profile: string;
  /** DLA core, or -1 for the GPU. */
  readonly dlaCore: number;
}

const KEY_FIELDS = ['modelSha256', 'tensorrtVersion', 'gpuName', 'computeCapability', 'multiProcessors', 'memoryGiB', 'precision', 'profile', 'dlaCore'] as const;

/** 2: multiProcessors and memoryGiB joined the key (a format-1 sidecar is rebuilt, saying so). */
const SIDECAR_FORMAT = 2;

const SidecarSchema = z
  .object({
    format: z.literal(SIDECAR_FORMAT).describe('sidecar layout version'),
    key: z.string().regex(/^[0-9a-f]{64}$/).describe('engineKey(parts)'),
    parts: z
      .object({
        modelSha256: z.string(),
        tensorrtVersion: z.string(),
        gpuName: z.string(),
        computeCapability: z.string(),
        multiProcessors: z.number().int().nonnegative(),
        memoryGiB: z.number().int().nonnegative(),
        precision: z.enum(['fp32', 'fp16', 'int8']),
        profile: z.string(),
        dlaCore: z.number().int(),
      })
      .strict()
      .describe('what the engine was built from'),
    modelPath: z.string().describe('the ONNX file it was built from, for people reading the cache'),
    engineFile: z.string().regex(/^[^/\\]+\.engine$/).describe('engine file name inside the cache directory'),
    engineBytes: z.number().int().positive().describe('engine size, to reject partial files'),
    engineSha256: z.string().regex(/^[0-9a-f]{64}$/).describe('engine hash, to reject corrupt files'),
    createdAt: z.string().describe('ISO time the engine was stored'),
    buildMs: z.number().nonnegative().optional().describe('how long the build took'),
  })
  .strict();

export type EngineSidecar = z.infer<typeof SidecarSchema>;

export type CacheLookup =
  | { readonly hit: true; readonly engine: Buffer; readonly sidecar: EngineSidecar; readonly enginePath: string }
  | { readonly hit: false; readonly reason: string };


/** Stable JSON of the parts, in a fixed field order, hashed. */
export function engineKey(parts: EngineKeyParts): string {
  return sha256Hex(JSON.stringify(KEY_FIELDS.map((field) => [field, parts[field]])));
}

/** Says which parts differ, e.g. `tensorrtVersion 8.6.2 -> 10.3.0`. */
export function describeKeyChange(cached: EngineKeyParts, wanted: EngineKeyParts): string {
  const changes = KEY_FIELDS.filter((field) => cached[field] !== wanted[field]).map(
    (field) => `${field} ${String(cached[field])} -> ${String(wanted[field])}`,
  );
  return changes.length > 0 ? changes.join(', ') : 'key differs';
}

/** $ARCEDGE_ENGINE_CACHE, else $ARCEDGE_HOME/tensorrt (sdk/storage/paths.ts owns the layout). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return engineCacheDir(env);
}

/** Engines are executable code for the GPU: keep the directory private to the user (0700). */
export async function ensureCacheDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for an existing directory.
  await chmod(dir, 0o700);
}

const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * One cache slot per model file, precision and DLA core (-1 = GPU), so engines for two DLA
 * cores of one Orin do not keep overwriting each other; other key changes rebuild in place.
 */
export function slotName(modelPath: string, precision: Precision, dlaCore = -1): string {
  const absolute = resolve(modelPath);
  const stem = basename(absolute, extname(absolute));
  const device = dlaCore >= 0 ? `-dla${dlaCore}` : '';
  return `${safe(stem)}-${sha256Hex(absolute).slice(0, 8)}-${precision}${device}`;
}

export function timingCachePath(dir: string, tensorrtVersion: string, gpuName: string): string {
  return join(dir, `timing-${safe(tensorrtVersion)}-${safe(gpuName)}.cache`);
}


/** Engines and sidecars are private to the user (0600), like their directory. */
function writePrivateFile(path: string, data: string | Uint8Array): Promise<void> {
  return writeFileAtomic(path, data, { mode: 0o600, relocateWith: 'ARCEDGE_ENGINE_CACHE' });
}

async function readSidecar(path: string): Promise<EngineSidecar | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no cached engine' : `cannot read ${path}: ${(error as Error).message}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `sidecar ${path} is not valid JSON (partial or corrupt)`;
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format !== SIDECAR_FORMAT) return `sidecar ${path} has format ${format}, this arcedge writes ${SIDECAR_FORMAT} (the engine key gained fields)`;
  const parsed = SidecarSchema.safeParse(json);
  if (!parsed.success) return `sidecar ${path} is invalid: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`;
  return parsed.data;
}

/** Returns the engine only when its sidecar matches `parts` exactly and the file is complete; else why not. */
export async function readCachedEngine(dir: string, slot: string, parts: EngineKeyParts): Promise<CacheLookup> {
  const sidecarPath = join(dir, `${slot}.json`);
  const sidecar = await readSidecar(sidecarPath);
  if (typeof sidecar === 'string') return { hit: false, reason: sidecar };
  const key = engineKey(parts);
  if (engineKey(sidecar.parts) !== sidecar.key) return { hit: false, reason: `sidecar ${sidecarPath} key does not match its own parts (edited?)` };
  if (sidecar.key !== key) return { hit: false, reason: `cached engine was built for another key: ${describeKeyChange(sidecar.parts, parts)}` };
  const enginePath = join(dir, sidecar.engineFile);
  let engine: Buffer;
  try {
    engine = await readFile(enginePath);
  } catch (error) {
    return { hit: false, reason: `engine file ${enginePath} is unreadable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  if (engine.length !== sidecar.engineBytes) {
    return { hit: false, reason: `engine file ${enginePath} is partial (${engine.length} of ${sidecar.engineBytes} bytes)` };
  }
  if (sha256Hex(engine) !== sidecar.engineSha256) return { hit: false, reason: `engine file ${enginePath} is corrupt (sha256 differs from its sidecar)` };
  return { hit: true, engine, sidecar, enginePath };
}

/** Stores an engine and its sidecar; returns the engine's path. */
export async function writeCachedEngine(
  dir: string,
  slot: string,
  parts: EngineKeyParts,
  engine: Uint8Array,
  meta: { modelPath: string; buildMs?: number },
): Promise<string> {
  await ensureCacheDir(dir);
  const engineSha256 = sha256Hex(engine);
  const engineFile = `${slot}.${engineSha256.slice(0, 16)}.engine`;
  await writePrivateFile(join(dir, engineFile), engine);
  const sidecar: EngineSidecar = {
    format: SIDECAR_FORMAT,
    key: engineKey(parts),
    parts: { ...parts },
    modelPath: resolve(meta.modelPath),
    engineFile,
    engineBytes: engine.length,
    engineSha256,
    createdAt: new Date().toISOString(),
    ...(meta.buildMs !== undefined ? { buildMs: meta.buildMs } : {}),
  };
  await writePrivateFile(join(dir, `${slot}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
  await removeStaleEngines(dir, slot, engineFile);
  return join(dir, engineFile);
}

/**
 * Deletes this slot's engines the sidecar no longer names. Only files older than a minute:
 * a younger one may belong to a concurrent writer that has not committed its sidecar yet.
 */
async function removeStaleEngines(dir: string, slot: string, keep: string): Promise<void> {
  const cutoffMs = Date.now() - 60_000;
  for (const name of await readdir(dir)) {
    if (name === keep || !name.startsWith(`${slot}.`) || !(name.endsWith('.engine') || name.includes('.engine.tmp-'))) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < cutoffMs) await unlink(path).catch(() => undefined);
  }
}

/** Timing caches are an optimisation: a missing or unreadable one just means a slower build. */
export async function readTimingCache(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch(() => undefined);
}

export async function writeTimingCache(path: string, data: Uint8Array): Promise<void> {
  if (data.length > 0) await writePrivateFile(path, data);
}
