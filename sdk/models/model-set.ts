/**
 * Whole sets: `resolveModelSet('default')` fetches what is missing and returns verified paths;
 * `verifyModelSet` only looks (search path + cache, or a local folder) and reports each file.
 */
import { ArcEdgeError } from '../errors.ts';
import { LOCAL_PREFIX, readLocalSet } from './local-set.ts';
import type { ModelManifest } from './manifest.ts';
import { getModelSet } from './registry.ts';
import { locateModel, resolveModel } from './resolver.ts';
import type { ResolvedModel, ResolveOptions } from './resolver.ts';

/** A model set with every file found or fetched and sha256-checked. */
export interface ResolvedModelSet {
  readonly name: string;
  readonly models: ResolvedModel[];
}

export type VerifyStatus = 'ok' | 'missing' | 'mismatch';

export interface VerifiedModel {
  readonly manifest: ModelManifest;
  readonly status: VerifyStatus;
  readonly path: string | undefined;
  readonly actualSha256: string | undefined;
  /** Where each place looked and what it found. */
  readonly notes: readonly string[];
}

/** What verifyModelSet found: each model of the set, present and matching its sha256 or not. */
export interface ModelSetReport {
  readonly name: string;
  readonly ok: boolean;
  readonly models: VerifiedModel[];
}

export function isLocalSet(nameOrLocal: string): boolean {
  return nameOrLocal.startsWith(LOCAL_PREFIX);
}

/**
 * Finds every model of a set (registry name or local:<dir>), fetching what is missing into the
 * cache, and checks each sha256.
 */
export async function resolveModelSet(nameOrLocal: string, options: ResolveOptions = {}): Promise<ResolvedModelSet> {
  if (isLocalSet(nameOrLocal)) {
    const local = await readLocalSet(nameOrLocal.slice(LOCAL_PREFIX.length));
    for (const m of local) {
      if (m.actualSha256 !== m.manifest.sha256) {
        throw new ArcEdgeError(
          'MODEL_CHECKSUM_MISMATCH',
          `${m.path} has sha256 ${m.actualSha256}, but its manifest pins ${m.manifest.sha256}`,
          { fix: `replace the file with the one the manifest describes, or update "sha256" in ${m.path}.manifest.json`, details: { path: m.path } },
        );
      }
      options.onEvent?.({ kind: 'hit', file: m.manifest.file, where: 'local', path: m.path });
    }
    return { name: nameOrLocal, models: local.map((m) => ({ manifest: m.manifest, path: m.path, origin: 'local' as const })) };
  }
  const set = getModelSet(nameOrLocal);
  const shared = { ...options, archives: options.archives ?? new Map<string, Promise<Buffer>>() };
  const models: ResolvedModel[] = [];
  // Sequential on purpose: files of one set usually share one archive, downloaded once.
  for (const manifest of set.files) models.push(await resolveModel(manifest, shared));
  return { name: set.name, models };
}

/** Checks a set's files where they are (search path, cache, local dir), without fetching anything. */
export async function verifyModelSet(nameOrLocal: string, options: ResolveOptions = {}): Promise<ModelSetReport> {
  if (isLocalSet(nameOrLocal)) {
    const local = await readLocalSet(nameOrLocal.slice(LOCAL_PREFIX.length));
    const models = local.map((m): VerifiedModel => {
      const ok = m.actualSha256 === m.manifest.sha256;
      return {
        manifest: m.manifest,
        status: ok ? 'ok' : 'mismatch',
        path: m.path,
        actualSha256: m.actualSha256,
        notes: [`manifest from ${m.manifestFrom === 'registry' ? 'the registry (matched by sha256)' : `${m.path}.manifest.json`}`],
      };
    });
    return { name: nameOrLocal, ok: models.every((m) => m.status === 'ok'), models };
  }
  const set = getModelSet(nameOrLocal);
  const models: VerifiedModel[] = [];
  for (const manifest of set.files) {
    const notes: string[] = [];
    const corrupt: { path?: string; sha?: string } = {};
    const found = await locateModel(
      manifest,
      { ...options, onEvent: (e) => e.kind === 'corrupt' && Object.assign(corrupt, { path: e.path, sha: e.actualSha256 }) },
      notes,
    );
    if (found) models.push({ manifest, status: 'ok', path: found.path, actualSha256: manifest.sha256, notes });
    else if (corrupt.path) models.push({ manifest, status: 'mismatch', path: corrupt.path, actualSha256: corrupt.sha, notes });
    else models.push({ manifest, status: 'missing', path: undefined, actualSha256: undefined, notes });
  }
  return { name: set.name, ok: models.every((m) => m.status === 'ok'), models };
}
