/**
 * The model registry: the JSON files in models/sets/ (shipped in the npm package), one per set.
 * Each is validated with ModelSetSchema when first read; a broken registry file is a bug in the
 * package, reported with the file and every failing path at once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { ArcEdgeError } from '../errors.ts';
import { ModelManifestSchema, ModelSetSchema } from './manifest.ts';
import type { ModelManifest, ModelSet } from './manifest.ts';

/**
 * models/sets relative to this file: sdk/models/ in the source tree and dist/sdk/ in the bundle are
 * both two levels below the package root. ARCEDGE_REGISTRY_DIR overrides it (tests, forks).
 */
export function registryDir(): string {
  const override = process.env.ARCEDGE_REGISTRY_DIR;
  if (override) return resolve(override);
  // Walk up from this module: it runs from sdk/models/ under tsx, from dist/sdk/ or a bundle
  // chunk under dist/bin/ once built; the registry always sits in the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'models', 'sets');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'sets');
    dir = parent;
  }
}

/** One line per zod issue: `files.0.input.mean: expected number`, every problem at once. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}

/** Parses a set from already-loaded JSON; `origin` names the file in errors. */
export function parseModelSet(json: unknown, origin: string): ModelSet {
  const parsed = ModelSetSchema.safeParse(json);
  if (!parsed.success) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `model set ${origin} is invalid:\n${formatIssues(parsed.error)}`, {
      fix: `correct ${origin}; every field is described in sdk/models/manifest.ts`,
      details: { origin, issues: parsed.error.issues },
    });
  }
  return parsed.data;
}

/** Parses one manifest (a `<file>.manifest.json` of a local set). */
export function parseModelManifest(json: unknown, origin: string): ModelManifest {
  const parsed = ModelManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `model manifest ${origin} is invalid:\n${formatIssues(parsed.error)}`, {
      fix: `correct ${origin}; every field is described in sdk/models/manifest.ts`,
      details: { origin, issues: parsed.error.issues },
    });
  }
  return parsed.data;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `cannot read ${path} as JSON: ${(cause as Error).message}`, { cause });
  }
}

let cache: { dir: string; sets: Map<string, ModelSet> } | undefined;

function loadAll(): Map<string, ModelSet> {
  const dir = registryDir();
  if (cache?.dir === dir) return cache.sets;
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (cause) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `model registry not found at ${dir}`, {
      fix: 'reinstall arcedge (the models/ folder ships with the package) or set ARCEDGE_REGISTRY_DIR',
      cause,
    });
  }
  const sets = new Map<string, ModelSet>();
  for (const file of names) {
    const path = join(dir, file);
    const set = parseModelSet(readJson(path), path);
    if (`${set.name}.json` !== file) {
      throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `model set ${path} is named "${set.name}"; the file must be ${set.name}.json`);
    }
    sets.set(set.name, set);
  }
  cache = { dir, sets };
  return sets;
}

/** Every registered set, sorted by name. */
export function listModelSets(): ModelSet[] {
  return [...loadAll().values()];
}

/** One set by name; an unknown name lists the known ones. */
export function getModelSet(name: string): ModelSet {
  const sets = loadAll();
  const set = sets.get(name);
  if (!set) {
    const known = [...sets.keys()];
    throw new ArcEdgeError('MODEL_SET_UNKNOWN', `unknown model set "${name}". Known sets: ${known.join(', ')}`, {
      fix: `use one of ${known.join(', ')}, or local:<dir> for a folder of ONNX files with manifests`,
      details: { name, known },
    });
  }
  return set;
}

/** The first manifest (in set-name order, `default` first) whose sha256 matches, or undefined. */
export function findManifestBySha256(sha256: string): ModelManifest | undefined {
  const wanted = sha256.toLowerCase();
  const sets = listModelSets().sort((a, b) => Number(b.name === 'default') - Number(a.name === 'default'));
  for (const set of sets) {
    const hit = set.files.find((m) => m.sha256 === wanted);
    if (hit) return hit;
  }
  return undefined;
}
