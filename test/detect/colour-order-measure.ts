/**
 * Measures a detector with its manifest's channel order on portraits: recall (photos with a face),
 * the subject's mean score, and the landmark error of the subject against reference landmarks,
 * normalised by the reference's inter-ocular distance (NME).
 */
import type { Detection, FaceDetector } from '../../sdk/detect/index.ts';
import type { Frame } from '../../sdk/image/index.ts';
import type { FivePoints } from '../../sdk/detect/index.ts';

export interface DetectorStats {
  readonly recall: number;
  readonly meanScore: number;
  /** Mean over photos where both found a face. */
  readonly nme: number;
  readonly found: number;
  readonly total: number;
}

const area = (d: Detection): number => (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1);
export const subject = (faces: readonly Detection[]): Detection | undefined => faces.reduce<Detection | undefined>((a, f) => (!a || area(f) > area(a) ? f : a), undefined);

export function nme(points: FivePoints, reference: FivePoints): number {
  const iod = Math.hypot(reference[1].x - reference[0].x, reference[1].y - reference[0].y);
  return points.reduce((s, p, k) => s + Math.hypot(p.x - reference[k]!.x, p.y - reference[k]!.y), 0) / points.length / iod;
}

export async function measureDetector(detector: FaceDetector, frames: readonly Frame[], reference: readonly (FivePoints | undefined)[]): Promise<DetectorStats> {
  let found = 0, scoreSum = 0, errSum = 0, errN = 0;
  for (let i = 0; i < frames.length; i++) {
    const face = subject(await detector.detect(frames[i]!));
    if (!face) continue;
    found++;
    scoreSum += face.score;
    const ref = reference[i];
    if (ref) errSum += nme(face.landmarks, ref), errN++;
  }
  return { recall: found / frames.length, meanScore: found ? scoreSum / found : 0, nme: errN ? errSum / errN : Infinity, found, total: frames.length };
}
