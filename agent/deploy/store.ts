/**
 * The device's model store (docs/deploy.md, "On the device"):
 *
 *   <dataDir>/models/<name>-v<version>/   an installed package, copied whole, never edited
 *   <dataDir>/models/current.json         the pointer: which package serves, the ones kept for a
 *                                         rollback, and the gallery generation that belongs to it
 *   <dataDir>/models/.partial-*           a copy in progress (removed at startup)
 *
 * current.json is the single commit point of an apply: it is replaced by one rename after the
 * new gallery generation is complete (file and folder fsynced), so after a crash the device
 * serves either the old pointer's model or the new one, never a mix.
 */
import { closeSync, cpSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ArcEdgeError, ModelManifestSchema, type ModelPackageManifest } from '../../sdk/index.ts';
import type { RecognizerOverride } from '../pipeline/messages.ts';

export const POINTER_FILE = 'current.json';
/** The last deploy status (reconcile.ts); informational, never cleaned. */
const STATUS_FILE = 'deploy-status.json';
const PARTIAL_PREFIX = '.partial-';

const EntrySchema = z
  .object({
    package: z.string().min(1).describe('package name; "config" for the models of the agent config'),
    version: z.number().int().nonnegative().describe('package version; 0 for the config models'),
    dir: z.string().optional().describe('folder under models/ (absent for the config models)'),
    model: z.string().optional().describe('recognizer file inside dir'),
    modelId: z.string().describe('recognizer model id'),
    embeddingSize: z.number().int().positive().describe('embedding length'),
  })
  .strict();

const PointerSchema = z
  .object({
    format: z.literal('arcedge-model-pointer').describe('always "arcedge-model-pointer"'),
    current: EntrySchema.describe('the model that serves'),
    history: z.array(EntrySchema).describe('older models kept for a rollback, newest first'),
    generation: z.number().int().positive().describe('gallery generation built for current'),
    committedAt: z.string().describe('ISO time of the commit'),
  })
  .strict();

export type ModelEntry = z.infer<typeof EntrySchema>;
export type ModelPointer = z.infer<typeof PointerSchema>;

export const modelsDir = (dataDir: string): string => join(dataDir, 'models');

export function readPointer(dataDir: string): ModelPointer | undefined {
  const path = join(modelsDir(dataDir), POINTER_FILE);
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ArcEdgeError('CONFIG_INVALID', `${path} is not JSON: ${(cause as Error).message}`, { fix: `delete ${path} to serve the models of the config, then deploy again`, cause });
  }
  const parsed = PointerSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ArcEdgeError('CONFIG_INVALID', `${path} is not a model pointer: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
      fix: `delete ${path} to serve the models of the config, then deploy again`,
    });
  }
  return parsed.data;
}

/** fsync of a file or a folder (a folder's fsync makes a rename in it durable). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes the pointer by rename: the file is fsynced before, the folder after (the rename itself). */
export function writePointer(dataDir: string, pointer: ModelPointer): void {
  const dir = modelsDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${PARTIAL_PREFIX}${POINTER_FILE}`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(PointerSchema.parse(pointer), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, POINTER_FILE));
  fsyncPath(dir);
}

function fsyncTree(path: string): void {
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) fsyncTree(join(path, entry));
  fsyncPath(path);
}

/** Copies a verified package into models/<name>-v<version>/ (via a partial folder and a rename). */
export function installPackage(dataDir: string, source: string, manifest: ModelPackageManifest): ModelEntry {
  const root = modelsDir(dataDir);
  mkdirSync(root, { recursive: true });
  const name = `${manifest.name}-v${manifest.version}`;
  const partial = join(root, `${PARTIAL_PREFIX}${name}`);
  rmSync(partial, { recursive: true, force: true });
  try {
    cpSync(source, partial, { recursive: true });
    fsyncTree(partial);
    rmSync(join(root, name), { recursive: true, force: true });
    renameSync(partial, join(root, name));
    fsyncPath(root);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot install the package into ${join(root, name)}: ${(error as Error).message}`, {
      fix: `free space on the disk of ${root}`,
      cause: error,
    });
  }
  return { package: manifest.name, version: manifest.version, dir: name, model: manifest.model, modelId: '', embeddingSize: manifest.embeddingSize };
}

/** The recognizer a worker loads for an installed entry (undefined: the config's models). */
export function recognizerOf(dataDir: string, entry: ModelEntry): RecognizerOverride | undefined {
  if (!entry.dir || !entry.model) return undefined;
  const path = join(modelsDir(dataDir), entry.dir, entry.model);
  const manifestPath = `${path}.manifest.json`;
  if (!existsSync(path) || !existsSync(manifestPath)) {
    throw new ArcEdgeError('MODEL_NOT_FOUND', `the deployed model ${path} (named by ${join(modelsDir(dataDir), POINTER_FILE)}) or its manifest is missing`, {
      fix: `deploy the package again, or delete ${join(modelsDir(dataDir), POINTER_FILE)} to serve the config's models (re-embed the gallery for them with \`arcedge gallery reembed\` if they differ)`,
    });
  }
  const parsed = ModelManifestSchema.safeParse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  if (!parsed.success) throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const manifest = parsed.data;
  return { package: entry.package, version: entry.version, path, manifest };
}

export const packageDirOf = (dataDir: string, entry: ModelEntry): string | undefined => (entry.dir ? join(modelsDir(dataDir), entry.dir) : undefined);

/**
 * Leftovers of an apply that did not commit: partial copies, and installed folders the pointer
 * does not name. Returns what was removed.
 */
export function cleanStore(dataDir: string, pointer: ModelPointer | undefined): string[] {
  const root = modelsDir(dataDir);
  if (!existsSync(root)) return [];
  const kept = new Set([pointer?.current, ...(pointer?.history ?? [])].flatMap((e) => (e?.dir ? [e.dir] : [])));
  const removed: string[] = [];
  for (const entry of readdirSync(root)) {
    if (entry === POINTER_FILE || entry === STATUS_FILE || kept.has(entry)) continue;
    rmSync(join(root, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
