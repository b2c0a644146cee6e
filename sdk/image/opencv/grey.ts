/** Luma and sharpness: the grey image the quality gate measures, and its Laplacian variance. */
import { ArcEdgeError } from '../../errors.ts';
import type { Frame } from '../frame.ts';
import { cv } from './loader.ts';
import { borrowMat, bytesOf, checkFrame, withMats } from './mats.ts';

export interface GreyImage {
  /** width * height bytes, one luma value per pixel (0.299 R + 0.587 G + 0.114 B, as cv2). */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export function toGrey(frame: Frame): GreyImage {
  checkFrame(frame);
  const c = cv();
  return withMats((track) => {
    const grey = track(track(borrowMat(frame)).cvtColor(c.COLOR_BGR2GRAY));
    return { data: bytesOf(grey), width: grey.cols, height: grey.rows };
  });
}

/**
 * Variance of the 3x3 Laplacian (kernel 0 1 0 / 1 -4 1 / 0 1 0, reflected border), the
 * common sharpness score (`cv2.Laplacian(grey, cv2.CV_64F).var()`): low means blurred.
 */
export function laplacianVariance(grey: GreyImage): number {
  if (grey.data.length !== grey.width * grey.height || grey.width < 1 || grey.height < 1) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `grey image is ${grey.width}x${grey.height} with ${grey.data.length} bytes`);
  }
  const c = cv();
  return withMats((track) => {
    const { data } = grey;
    const mat = track(new c.Mat(grey.height, grey.width, c.CV_8UC1, Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
    const laplacian = track(mat.laplacian(c.CV_64F, 1));
    const { mean, stddev } = laplacian.meanStdDev();
    track(mean);
    const sd = track(stddev).at(0, 0) as number;
    return sd * sd;
  });
}
