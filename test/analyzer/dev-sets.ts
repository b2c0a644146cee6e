/**
 * The labelled dev photo sets in ../shared/assets/faces, as images + same/different pairs, read
 * with the tools' labelled-folder reader (tools/eval/labelled-faces.ts), so that the tests and
 * `arcedge eval` / `models probe` see the same pairs.
 * Pairs are "all pairs within each set" for the folder-per-person sets, and master.csv's
 * listed pairs for deepface. faceapi_bbt images are tight 150x150 crops: `pad` marks them, for
 * the tests that need a one-pass reference detection (which misses faces that fill the frame).
 */
import { allPairs, csvPairs, personFolderImages } from '../../tools/eval/labelled-faces.ts';
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

/** One person's image, as the tools' labelled-folder reader sees it, marked for padding. */
function devImages(root: string, pad: boolean): DevImage[] {
  const images = personFolderImages(root);
  if (!images) throw new Error(`${root} is not a folder of person folders`);
  return images.map((i) => ({ path: i.path, identity: i.person, pad }));
}

const pairsOf = (images: readonly DevImage[]): DevPair[] => allPairs(images.map((i) => ({ path: i.path, person: i.identity })));

export function faceapiBbt(): DevSet {
  const images = devImages(assetFace('faceapi_bbt'), true);
  return { name: 'faceapi_bbt', images, pairs: pairsOf(images) };
}

export function faceRecognitionTrain(): DevSet {
  const images = devImages(assetFace('face_recognition', 'examples', 'knn_examples', 'train'), false);
  return { name: 'face_recognition', images, pairs: pairsOf(images) };
}

export function deepfaceMaster(): DevSet {
  const pairs = csvPairs(assetFace('deepface'));
  const paths = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  return { name: 'deepface', images: paths.map((path) => ({ path, identity: '', pad: false })), pairs };
}

export function devSets(): DevSet[] {
  return [faceapiBbt(), faceRecognitionTrain(), deepfaceMaster()];
}
