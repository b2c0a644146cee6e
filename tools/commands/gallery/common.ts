/** What enroll, identify and the gallery subcommands share: photo discovery, model loading, opening. */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { collectImages, isImage } from '../../cli/images.ts';
import { createFacePipeline, DEFAULT_SUBJECT_RULE, galleryModelOf, openGallery, SUBJECT_RULES, type FacePipeline, type Gallery, type PipelineStage, type SubjectRule } from '../../../sdk/index.ts';
import { UsageError } from '../../cli/command.ts';

export { collectImages, isImage } from '../../cli/images.ts';

/** A `<person>/<images>` tree: one entry per person folder; loose images are returned apart. */
export function personFolders(root: string): { people: { name: string; photos: string[] }[]; loose: string[] } {
  if (!existsSync(root)) throw new UsageError(`${root} does not exist`);
  const entries = readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const people = entries.filter((e) => e.isDirectory()).map((e) => ({ name: e.name, photos: collectImages([join(root, e.name)]) }));
  const loose = entries.filter((e) => e.isFile() && isImage(e.name)).map((e) => join(root, e.name));
  return { people, loose };
}

export const GALLERY_OPTION = { type: 'string', valueName: 'file', description: 'the gallery file (SQLite; created 0600 on first enroll)' } as const;
export const MODELS_OPTION = { type: 'string', default: 'default', valueName: 'set', description: 'model set: a registry name or local:<dir> (its recognizer must match the gallery)' } as const;

/** Picks one model of a set that holds several (a local:<dir> set, buffalo_l): wherever --models is taken. */
export const DETECTOR_OPTION = { type: 'string', valueName: 'id', description: 'detector id or file name, when the set holds several' } as const;
export const EMBEDDER_OPTION = { type: 'string', valueName: 'id', description: 'recognizer id or file name, when the set holds several (the gallery records which)' } as const;
export const SUBJECT_OPTION = {
  type: 'string',
  default: 'centre',
  valueName: 'rule',
  description: 'the face of a photo with several: centre (insightface: area minus 2x squared offset from the image centre), largest, or all (refuse such photos)',
} as const;

export interface ModelChoice {
  readonly detector?: string | undefined;
  readonly embedder?: string | undefined;
}

export function parseSubject(value: string | undefined): SubjectRule {
  const rule = value ?? DEFAULT_SUBJECT_RULE;
  if (!(SUBJECT_RULES as readonly string[]).includes(rule)) throw new UsageError(`--subject must be one of ${SUBJECT_RULES.join(', ')}, got "${rule}"`);
  return rule as SubjectRule;
}

export const KEY_HELP = `environment:
  ARCEDGE_GALLERY_KEY       encryption key of the gallery (needs better-sqlite3-multiple-ciphers)
  ARCEDGE_GALLERY_KEY_FILE  a 0600 file holding that key`;

export function requireGallery(path: string | undefined): string {
  if (!path) throw new UsageError('--gallery <file> is required');
  return path;
}

/** Runs `fn` on the existing gallery at --gallery (read-only unless `write`), closing it after. */
export async function withGallery<R>(path: string | undefined, write: boolean, fn: (g: Gallery) => R | Promise<R>): Promise<R> {
  const gallery = await openGallery(requireGallery(path), { create: false, readOnly: !write });
  try {
    return await fn(gallery);
  } finally {
    gallery.close();
  }
}

export async function loadPipeline(models: string, stages?: PipelineStage[], choice: ModelChoice = {}): Promise<FacePipeline> {
  const use = { ...(choice.detector !== undefined ? { detect: choice.detector } : {}), ...(choice.embedder !== undefined ? { embed: choice.embedder } : {}) };
  return createFacePipeline({ models, backend: { threads: 2 }, ...(stages ? { stages } : {}), ...(Object.keys(use).length ? { use } : {}) });
}

/** Opens the gallery for the pipeline's recognizer (created when missing, unless `create` is false). */
export async function openForPipeline(path: string, pipeline: FacePipeline, create = true): Promise<Gallery> {
  return openGallery(path, { model: galleryModelOf(pipeline), create });
}

export const shortSource = (path: string): string => basename(path);
