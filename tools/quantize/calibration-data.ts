/**
 * Calibration and evaluation faces: aligned ArcFace crops made through the SDK's stage API
 * (createFacePipeline with stages ['detect']: loadFrame -> detect -> align), from a folder of
 * photos. An image that already has the crop size (112x112) is taken as an aligned crop, so a
 * folder of aligned faces (an exported training set) works as is. Tight crops need nothing
 * special: the detectors run a second pass on a padded frame when a face fills the frame.
 *
 * Identities come from folder names (`<folder>/<person>/<photo>`): they label the pairs that
 * verification AUC is measured on. Photos directly in the folder have no identity.
 */
import { statSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { IMAGE_EXTENSIONS, walkImages } from '../cli/images.ts';
import { ArcEdgeError, createFacePipeline, DEFAULT_SUBJECT_RULE, isArcEdgeError, selectSubject, type FacePipeline, type Frame } from '../../sdk/index.ts';


export interface FaceCrop {
  readonly crop: Frame;
  readonly source: string;
  /** Folder name under the root, when the photo sits in one. */
  readonly identity: string | undefined;
}

export interface CropSet {
  readonly folder: string;
  readonly crops: FaceCrop[];
  readonly images: number;
  /** Images where no face was found (or that could not be read), with why. */
  readonly skipped: { path: string; reason: string }[];
}

export function listImages(folder: string): string[] {
  const root = resolve(folder);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new ArcEdgeError('IMAGE_NOT_FOUND', `calibration folder ${root} does not exist or is not a directory`, { fix: 'pass --calib <folder of face photos>' });
  return walkImages(root);
}


async function faceCrop(pipeline: FacePipeline, path: string): Promise<Frame | string> {
  let frame: Frame;
  try {
    frame = (await pipeline.loadFrame(path)).frame;
  } catch (error) {
    if (isArcEdgeError(error)) return `${error.code}: ${error.message.split('\n')[0]}`;
    throw error;
  }
  if (frame.width === pipeline.cropSizePx && frame.height === pipeline.cropSizePx) return frame;
  // The one subject rule (sdk selectSubject: insightface's area minus centre offset).
  const face = selectSubject(await pipeline.detect(frame), frame, DEFAULT_SUBJECT_RULE)[0];
  return face ? pipeline.align(frame, face).crop : 'no face found';
}

/** The largest face of every image under `folder` (CALIBRATION_EMPTY / CALIBRATION_NO_FACES when none). */
export async function collectCrops(
  folder: string,
  detectorModels: string,
  options: { maxImages?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<CropSet> {
  const all = listImages(folder);
  if (all.length === 0) {
    throw new ArcEdgeError('CALIBRATION_EMPTY', `${resolve(folder)} holds no image files (looked for ${[...IMAGE_EXTENSIONS].join(', ')})`);
  }
  const paths = options.maxImages ? evenlySpaced(all, options.maxImages) : all;
  const pipeline = await createFacePipeline({ models: detectorModels, stages: ['detect'] });
  const crops: FaceCrop[] = [];
  const skipped: CropSet['skipped'] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const result = await faceCrop(pipeline, path);
      if (typeof result === 'string') skipped.push({ path, reason: result });
      else {
        const rel = relative(resolve(folder), dirname(path));
        crops.push({ crop: result, source: path, identity: rel && !rel.startsWith('..') ? basename(rel) : undefined });
      }
      options.onProgress?.(i + 1, paths.length);
    }
  } finally {
    await pipeline.dispose();
  }
  if (crops.length === 0) {
    throw new ArcEdgeError('CALIBRATION_NO_FACES', `no face found in any of the ${paths.length} images in ${resolve(folder)} (e.g. ${basename(paths[0]!)}: ${skipped[0]?.reason})`, {
      details: { skipped },
    });
  }
  return { folder: resolve(folder), crops, images: paths.length, skipped };
}

/** `n` items spread over the whole list (folders are sorted by person: take from all of them). */
export function evenlySpaced<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}
