/**
 * Shared by the detector tests: the dev photos (every image under shared/assets/faces; the tight
 * faceapi_bbt crops as they are, since the detectors' second pass pads them) and the real detectors.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createDetector, type FaceDetector } from '../../sdk/detect/index.ts';
import type { DetectorOptions } from '../../sdk/detect/index.ts';
import { readImage, type Frame } from '../../sdk/image/index.ts';
import { getModelSet, modelSearchPath, resolveModelSet, type ModelManifest } from '../../sdk/models/index.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import { assetFace, assetModel, requireAssets } from '../helpers/assets.ts';

const IMAGE = /\.(jpe?g|png|bmp|gif|webp|pgm|ppm)$/i;
/** faceapi_bbt/<name>/<name>N.png: 150x150 tight crops. */
const TIGHT_CROP = /^faceapi_bbt\/[a-z]+\/[a-z]+\d+\.png$/;

export interface DevPhoto {
  /** path under faces/, e.g. faceapi_bbt/amy/amy1.png */
  readonly name: string;
  readonly path: string;
  readonly tightCrop: boolean;
}

export function devPhotos(): DevPhoto[] {
  const root = join(requireAssets(), 'faces');
  const found: DevPhoto[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (IMAGE.test(entry)) {
        const name = relative(root, path).split('\\').join('/');
        found.push({ name, path, tightCrop: TIGHT_CROP.test(name) });
      }
    }
  };
  walk(root);
  return found;
}

export const loadPhoto = (photo: DevPhoto): Promise<Frame> => readImage(photo.path);

export const loadFace = (...parts: string[]): Promise<Frame> => readImage(assetFace(...parts));

export function registryManifest(set: string, file: string): ModelManifest {
  const manifest = getModelSet(set).files.find((m) => m.file === file);
  if (!manifest) throw new Error(`model set ${set} has no ${file}`);
  return manifest;
}

/** A detector from a registry manifest and the asset copy of its file. */
export async function assetDetector(set: string, file: string, options?: DetectorOptions, path = assetModel(file)): Promise<FaceDetector> {
  return createDetector(registryManifest(set, file), await loadSession(path, { threads: 2 }), options);
}

/**
 * The `default` set's two-stage detector (UltraFace + 68 landmarks), resolved like a user would
 * ($ARCEDGE_MODEL_PATH, the dev copy in /tmp/arcedge-default-models, then cache / npm download).
 */
export async function defaultSetDetector(options?: DetectorOptions): Promise<FaceDetector> {
  const searchPath = [...modelSearchPath(), '/tmp/arcedge-default-models', join(requireAssets(), 'models')];
  const set = await resolveModelSet('default', { searchPath });
  const detect = set.models.find((m) => m.manifest.task === 'detect');
  const landmarks = set.models.find((m) => m.manifest.task === 'landmarks');
  if (!detect || !landmarks) throw new Error('default set lacks a detect or landmarks model');
  return createDetector(detect.manifest, await loadSession(detect.path, { threads: 2 }), {
    ...options,
    landmarks: { manifest: landmarks.manifest, session: await loadSession(landmarks.path, { threads: 2 }) },
  });
}
