/** What enroll, identify and the gallery subcommands share: photo discovery, model loading, opening. */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { collectImages, isImage } from '../../cli/images.ts';
import { createFacePipeline, galleryModelOf, openGallery, type FacePipeline, type Gallery, type PipelineStage } from '../../../sdk/index.ts';
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

export const KEY_HELP = `environment:
  ARCEDGE_GALLERY_KEY       encryption key of the gallery (needs better-sqlite3-multiple-ciphers)
  ARCEDGE_GALLERY_KEY_FILE  a 0600 file holding that key`;

export function requireGallery(path: string | undefined): string {
  if (!path) throw new UsageError('--gallery <file> is required');
  return path;
}

export async function loadPipeline(models: string, stages?: PipelineStage[]): Promise<FacePipeline> {
  return createFacePipeline({ models, backend: { threads: 2 }, ...(stages ? { stages } : {}) });
}

/** Opens the gallery for the pipeline's recognizer (created when missing, unless `create` is false). */
export async function openForPipeline(path: string, pipeline: FacePipeline, create = true): Promise<Gallery> {
  return openGallery(path, { model: galleryModelOf(pipeline), create });
}

export const shortSource = (path: string): string => basename(path);
