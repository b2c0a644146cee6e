/**
 * Least-squares similarity transform (rotation + uniform scale + translation, never a
 * reflection) between two 2D point sets: Umeyama, "Least-squares estimation of transformation
 * parameters between two point patterns", IEEE TPAMI 13(4), 1991.
 *
 * In 2D the SVD of Umeyama's general solution collapses to a closed form. Write the linear
 * part as [[a, -b], [b, a]] (a = s cos t, b = s sin t). With both sets centred on their means
 * (x_i source, y_i destination), the error sum |y_i - [[a,-b],[b,a]] x_i|^2 is a quadratic in
 * (a, b) whose minimum is
 *   a = sum(x_i . y_i) / sum|x_i|^2,   b = sum(x_i cross y_i) / sum|x_i|^2,
 * which is exactly Umeyama's rotation atan2(b, a) (the one maximising trace(R^T C) over
 * proper rotations, so det(R) = +1 by construction) and scale sqrt(a^2 + b^2). This is what
 * scikit-image's SimilarityTransform.estimate (insightface's estimate_norm) computes.
 */
import type { AffineMatrix } from '../image/frame.ts';
import type { Point } from '../detect/types.ts';
import { ArcEdgeError } from '../errors.ts';

/** Returns the matrix mapping each `source[i]` as closely as possible onto `destination[i]`. */
export function estimateSimilarity(source: readonly Point[], destination: readonly Point[]): AffineMatrix {
  const n = source.length;
  if (n < 2 || destination.length !== n) {
    throw new ArcEdgeError(
      'INVALID_ARGUMENT',
      `a similarity fit needs 2 or more matching point pairs; got ${n} source and ${destination.length} destination points`,
      { fix: 'pass the same number of landmarks as template points (5 for ArcFace)' },
    );
  }
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    const p = source[i]!, q = destination[i]!;
    if (![p.x, p.y, q.x, q.y].every(Number.isFinite)) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `point ${i} is not finite: source ${JSON.stringify(p)}, destination ${JSON.stringify(q)}`);
    }
    sx += p.x; sy += p.y; dx += q.x; dy += q.y;
  }
  sx /= n; sy /= n; dx /= n; dy /= n;

  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const px = source[i]!.x - sx, py = source[i]!.y - sy;
    const qx = destination[i]!.x - dx, qy = destination[i]!.y - dy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  // All source points coincide: scale is undefined (skimage returns NaNs here; we refuse).
  if (!(norm > 1e-12)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', 'the source points all coincide, so no rotation or scale can be fitted', {
      fix: 'check the detector output: the landmarks must be distinct points',
    });
  }
  const a = dot / norm, b = cross / norm;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}
