/** Small helpers on 2x3 affine matrices ([a, b, tx, c, d, ty], see image/frame.ts). */
import type { AffineMatrix } from '../image/frame.ts';
import type { Point } from '../detect/types.ts';
import { ArcEdgeError } from '../errors.ts';

/** Maps a point with the matrix: (a x + b y + tx, c x + d y + ty). */
export function applyAffine(matrix: AffineMatrix, point: Point): Point {
  const [a, b, tx, c, d, ty] = matrix;
  return { x: a * point.x + b * point.y + tx, y: c * point.x + d * point.y + ty };
}

/** The matrix that undoes `matrix` (e.g. aligned-crop coordinates back to frame pixels). */
export function invertAffine(matrix: AffineMatrix): AffineMatrix {
  const [a, b, tx, c, d, ty] = matrix;
  const det = a * d - b * c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `affine matrix [${matrix.join(', ')}] is singular (determinant ${det}) and has no inverse`);
  }
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}
