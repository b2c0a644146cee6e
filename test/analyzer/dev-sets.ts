/**
 * The labelled dev photo sets in ../shared/assets/faces, as images + same/different pairs.
 * Pairs are "all pairs within each set" for the folder-per-person sets, and master.csv's
 * listed pairs for deepface. faceapi_bbt images are tight 150x150 crops: `pad` marks them, for
 * the tests that need a one-pass reference detection (which misses faces that fill the frame).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetFace } from '../helpers/assets.ts';

export interface DevImage {
  readonly path: string;
  readonly identity: string;
  readonly pad: boolean;
}

export interface DevPair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

export interface DevSet {
  readonly name: string;
  readonly images: readonly DevImage[];
  readonly pairs: readonly DevPair[];
}

const IMAGE = /\.(png|jpe?g)$/i;

function allPairs(images: readonly DevImage[]): DevPair[] {
  const pairs: DevPair[] = [];
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) {
      pairs.push({ a: images[i]!.path, b: images[j]!.path, same: images[i]!.identity === images[j]!.identity });
    }
  }
  return pairs;
}

function folderPerPerson(root: string, pad: boolean): DevImage[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) =>
      readdirSync(join(root, d.name))
        .filter((f) => IMAGE.test(f))
        .sort()
        .map((f) => ({ path: join(root, d.name, f), identity: d.name, pad })),
    );
}

export function faceapiBbt(): DevSet {
  const images = folderPerPerson(assetFace('faceapi_bbt'), true);
  return { name: 'faceapi_bbt', images, pairs: allPairs(images) };
}

export function faceRecognitionTrain(): DevSet {
  const images = folderPerPerson(assetFace('face_recognition', 'examples', 'knn_examples', 'train'), false);
  return { name: 'face_recognition', images, pairs: allPairs(images) };
}

export function deepfaceMaster(): DevSet {
  const dir = assetFace('deepface');
  const rows = readFileSync(join(dir, 'master.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const pairs = rows.map((row) => {
    const [x, y, decision] = row.split(',').map((c) => c.trim());
    return { a: join(dir, x!), b: join(dir, y!), same: decision === 'Yes' };
  });
  const paths = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  return { name: 'deepface', images: paths.map((path) => ({ path, identity: '', pad: false })), pairs };
}

export function devSets(): DevSet[] {
  return [faceapiBbt(), faceRecognitionTrain(), deepfaceMaster()];
}
