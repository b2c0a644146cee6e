/**
 * `local:<dir>` model sets: every *.onnx in a folder. Each file's manifest is
 * `<file>.manifest.json` beside it, else the registry manifest with the same sha256 (so a
 * folder of known files needs no JSON at all). Unknown files get a template to fill in.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArcEdgeError } from '../errors.ts';
import type { ModelManifest } from './manifest.ts';
import { findManifestBySha256, parseModelManifest } from './registry.ts';
import { sha256File } from '../storage/sha256.ts';

export const LOCAL_PREFIX = 'local:';

export interface LocalModel {
  readonly manifest: ModelManifest;
  readonly path: string;
  /** sha256 of the bytes on disk (equal to manifest.sha256 unless `status` says otherwise). */
  readonly actualSha256: string;
  readonly manifestFrom: 'manifest-file' | 'registry';
}

/**
 * A manifest skeleton for an unknown file: fill in the placeholders, save as `<file>.manifest.json`.
 * Channel order is left open on purpose: both of the recognizers we ship read BGR although their
 * own docs implied RGB (measured, docs/models.md), so only a measurement should settle it.
 */
export function manifestTemplate(file: string, sha256: string, bytes: number): string {
  const template = {
    id: file.replace(/\.onnx$/, '').toLowerCase().replace(/[^a-z0-9._-]/g, '-'),
    file,
    task: 'detect | embed | landmarks | liveness',
    family: 'scrfd | yunet | ultraface | arcface | landmark68 | liveness',
    input: { name: '<graph input name>', shape: [1, 3, 112, 112], layout: 'nchw', colorOrder: 'bgr | rgb', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], resize: 'none' },
    outputs: { mode: 'by-order', count: 1 },
    embeddingSize: 512,
    licence: '<licence of the weights>',
    sources: [],
    sha256,
    bytes,
  };
  return JSON.stringify(template, null, 2);
}

function readManifestFile(path: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `cannot read ${path} as JSON: ${(cause as Error).message}`, { cause });
  }
  return parseModelManifest(json, path);
}

/** Lists and identifies the folder's models; does not check that sha256s match (see verify). */
export async function readLocalSet(dirArg: string): Promise<LocalModel[]> {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ArcEdgeError('MODEL_NOT_FOUND', `local model set: ${dir} is not a directory`, {
      fix: `create ${dir} and put the .onnx files (and optional <file>.manifest.json) in it`,
    });
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort();
  if (files.length === 0) {
    throw new ArcEdgeError('MODEL_NOT_FOUND', `local model set: no .onnx files in ${dir}`, {
      fix: `copy a detector and a recognizer (.onnx) into ${dir}`,
    });
  }
  const models: LocalModel[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const actualSha256 = await sha256File(path);
    const manifestPath = `${path}.manifest.json`;
    if (existsSync(manifestPath)) {
      const manifest = readManifestFile(manifestPath);
      if (manifest.file !== file) {
        throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `${manifestPath} describes "${manifest.file}", not ${file}`, {
          fix: `set "file": "${file}" in ${manifestPath}`,
        });
      }
      models.push({ manifest, path, actualSha256, manifestFrom: 'manifest-file' });
      continue;
    }
    const known = findManifestBySha256(actualSha256);
    if (known) {
      // Same bytes under another name (e.g. fr_feature_512.onnx): keep the registry facts, use this name.
      models.push({ manifest: { ...known, file }, path, actualSha256, manifestFrom: 'registry' });
      continue;
    }
    const bytes = statSync(path).size;
    throw new ArcEdgeError(
      'MODEL_MANIFEST_INVALID',
      `${path} (sha256 ${actualSha256}) is not a registry model and has no ${file}.manifest.json beside it`,
      {
        fix:
          `write ${manifestPath} describing the model. For a recognizer, \`arcedge models probe ${path}\` measures its channel order and ` +
          `normalisation on labelled faces and writes the file for you. Otherwise, a template (replace every <...> and "a | b" value):\n${manifestTemplate(file, actualSha256, bytes)}`,
        details: { path, sha256: actualSha256 },
      },
    );
  }
  return models;
}
