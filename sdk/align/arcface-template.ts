/**
 * The ArcFace 5-point template: where insightface puts left eye, right eye, nose tip, left and
 * right mouth corner in a 112x112 aligned crop (`arcface_dst` in insightface's
 * python-package/insightface/utils/face_align.py). Every ArcFace-family recognizer was trained
 * on crops made with it, so the numbers must not be "improved".
 */
import type { FivePoints } from '../detect/types.ts';
import { ArcEdgeError } from '../errors.ts';

/**
 * Where ArcFace recognizers expect the 5 landmarks in a 112x112 crop (insightface's arcface_dst):
 * eyes, nose tip, mouth corners.
 */
export const ARCFACE_TEMPLATE_112: FivePoints = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/**
 * The template for a square crop of `sizePx`, scaled the way insightface's `estimate_norm`
 * does it (face_align.py in deepinsight/insightface, python-package; the same logic is in its
 * forks, e.g. GrigoryEvko/insightface@4d21fa7): a multiple of 112 scales by size/112; otherwise a
 * multiple of 128 scales by size/128 and shifts x right by 8*ratio, because the 128 crops
 * keep the 112 face and add 8 px of margin on each side (in 128-units) horizontally only.
 * A size that is a multiple of both (e.g. 896) takes the 112 rule, as insightface's `if` does.
 */
export function arcfaceTemplate(sizePx = 112): FivePoints {
  let ratio: number;
  let shiftX: number;
  if (Number.isInteger(sizePx) && sizePx > 0 && sizePx % 112 === 0) {
    ratio = sizePx / 112;
    shiftX = 0;
  } else if (Number.isInteger(sizePx) && sizePx > 0 && sizePx % 128 === 0) {
    ratio = sizePx / 128;
    shiftX = 8 * ratio;
  } else {
    throw new ArcEdgeError('INVALID_ARGUMENT', `aligned crop size ${sizePx} px is not a multiple of 112 or 128`, {
      fix: 'use 112 (every ArcFace model in the registry), 224, or 128/256 for models trained on 128 crops',
    });
  }
  const [p0, p1, p2, p3, p4] = ARCFACE_TEMPLATE_112.map((p) => ({ x: p.x * ratio + shiftX, y: p.y * ratio }));
  return [p0!, p1!, p2!, p3!, p4!];
}
