/**
 * The bench's images. `overheadPhotos`: portraits, group shots and odd formats for the
 * per-stage rows. `devPhotos`: the labelled dev sets (test/analyzer/dev-sets.ts) with tight
 * crops padded by 50%, as decoded frames, plus their pairs: what the peer rows time and score.
 */
import { readImage, type Frame } from '../../sdk/index.ts';
import { assetFace } from '../helpers/assets.ts';
import { deepfaceMaster, devSets, faceRecognitionTrain, type DevPair } from '../analyzer/dev-sets.ts';

export function overheadPhotos(): string[] {
  const group = [1, 2, 3, 4, 5].map((i) => assetFace('faceapi_bbt', `bbt${i}.jpg`));
  const misc = [assetFace('debian', 'messi5.jpg'), assetFace('debian', 'astronaut.png'), assetFace('face_recognition', 'examples', 'two_people.jpg')];
  return [...faceRecognitionTrain().images.map((i) => i.path), ...deepfaceMaster().images.map((i) => i.path), ...group, ...misc];
}

/**
 * Black border of half the width/height on every side. Our detectors no longer need it (they
 * pad frame-filling faces themselves), but the peer comparison is specified on padded crops
 * (issue 12), so both engines get the same padded frames.
 */
function padded(frame: Frame): Frame {
  const dx = Math.round(frame.width / 2), dy = Math.round(frame.height / 2);
  const width = frame.width + 2 * dx, height = frame.height + 2 * dy;
  const data = new Uint8Array(width * height * 3);
  const row = frame.width * 3;
  for (let y = 0; y < frame.height; y++) data.set(frame.data.subarray(y * row, (y + 1) * row), ((y + dy) * width + dx) * 3);
  return { data, width, height };
}

export interface DevPhotos {
  readonly paths: string[];
  readonly frames: Frame[];
  /** Pairs as indexes into paths/frames. */
  readonly pairs: { a: number; b: number; same: boolean }[];
}

export async function devPhotos(): Promise<DevPhotos> {
  const sets = devSets();
  const images = [...new Map(sets.flatMap((s) => s.images).map((i) => [i.path, i])).values()];
  const index = new Map(images.map((im, i) => [im.path, i]));
  const frames = await Promise.all(images.map(async (im) => {
    const frame = await readImage(im.path);
    return im.pad ? padded(frame) : frame;
  }));
  const pairs = sets.flatMap((s) => s.pairs).map((p: DevPair) => ({ a: index.get(p.a)!, b: index.get(p.b)!, same: p.same }));
  return { paths: images.map((i) => i.path), frames, pairs };
}
