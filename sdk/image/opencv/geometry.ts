/** Resampling a Frame: resize to a size, or warp through an affine matrix (face alignment). */
import { ArcEdgeError } from '../../errors.ts';
import type { AffineMatrix, Frame } from '../frame.ts';
import { cv } from './loader.ts';
import { borrowMat, checkFrame, checkSize, frameOf, withMats } from './mats.ts';

/** Resampling filter of resizeFrame (OpenCV's INTER_NEAREST, INTER_LINEAR, INTER_AREA, INTER_CUBIC). */
export type Interpolation = 'nearest' | 'linear' | 'area' | 'cubic';

/** A copy of the frame scaled to width x height. */
export function resizeFrame(frame: Frame, width: number, height: number, interpolation: Interpolation = 'linear'): Frame {
  checkFrame(frame);
  checkSize(width, height);
  const c = cv();
  const flag = { nearest: c.INTER_NEAREST, linear: c.INTER_LINEAR, area: c.INTER_AREA, cubic: c.INTER_CUBIC }[interpolation];
  if (flag === undefined) throw new ArcEdgeError('INVALID_ARGUMENT', `unknown interpolation "${interpolation}"; expected nearest, linear, area or cubic`);
  return withMats((track) => frameOf(track(track(borrowMat(frame)).resize(height, width, 0, 0, flag))));
}

/**
 * Output pixel (x, y) = input sampled at matrix^-1 (x, y): `matrix` maps input -> output,
 * as in cv2.warpAffine and insightface's norm_crop. Bilinear; outside the input is 0 (black).
 * (warpAffine is a Mat method in this binding, not a cv function.)
 */
export function warpAffine(frame: Frame, matrix: AffineMatrix, width: number, height: number): Frame {
  checkFrame(frame);
  checkSize(width, height);
  if (matrix.length !== 6 || !matrix.every(Number.isFinite)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `affine matrix must be 6 finite numbers; got [${matrix.join(', ')}]`);
  }
  const c = cv();
  return withMats((track) => {
    const m = track(new c.Mat([[matrix[0], matrix[1], matrix[2]], [matrix[3], matrix[4], matrix[5]]], c.CV_64F));
    const out = track(track(borrowMat(frame)).warpAffine(m, new c.Size(width, height), c.INTER_LINEAR, c.BORDER_CONSTANT, new c.Vec3(0, 0, 0)));
    return frameOf(out);
  });
}
