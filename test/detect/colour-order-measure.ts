/**
 * Measures a detector with its manifest's channel order on photos: recall (photos where a face is
 * found), the subject's mean score, and the subject's landmark error against reference landmarks
 * (NME: mean point distance over the reference's inter-ocular distance). The subject is the
 * largest face: the photos measured for NME are single-person portraits.
 */
import type { Detection, FaceDetector, FivePoints } from '../../sdk/detect/index.ts';
import type { Frame } from '../../sdk/image/index.ts';

export interface DetectorStats {
  /** Photos where a face was found, of `total`. */
  readonly found: number;
  readonly total: number;
  /** Mean score of the subject over the photos where one was found. */
  readonly meanScore: number;
  /** Mean subject NME over the photos that have a reference and a detection. */
  readonly nme: number;
}

const area = (d: Detection): number => (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1);
export const subject = (faces: readonly Detection[]): Detection | undefined => faces.reduce<Detection | undefined>((a, f) => (!a || area(f) > area(a) ? f : a), undefined);

export function nme(points: FivePoints, reference: FivePoints): number {
  const iod = Math.hypot(reference[1].x - reference[0].x, reference[1].y - reference[0].y);
  return points.reduce((s, p, k) => s + Math.hypot(p.x - reference[k]!.x, p.y - reference[k]!.y), 0) / points.length / iod;
}

/** `reference.get(i)`: the landmarks photo i's subject should have (portraits only). */
export async function measureDetector(detector: FaceDetector, photos: readonly Frame[], reference: ReadonlyMap<number, FivePoints>): Promise<DetectorStats> {
  let found = 0, scoreSum = 0, errSum = 0, errN = 0;
  for (let i = 0; i < photos.length; i++) {
    const face = subject(await detector.detect(photos[i]!));
    if (!face) continue;
    found++;
    scoreSum += face.score;
    const ref = reference.get(i);
    if (ref) errSum += nme(face.landmarks, ref), errN++;
  }
  return { found, total: photos.length, meanScore: found ? scoreSum / found : 0, nme: errN ? errSum / errN : Number.POSITIVE_INFINITY };
}
