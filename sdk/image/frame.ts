/**
 * The one frame type the whole pipeline passes around: 8-bit BGR, interleaved (HWC),
 * row-major, no padding between rows. BGR because that is what OpenCV, cameras through
 * GStreamer/V4L2 and YuNet use natively; models that want RGB swap in their preprocessing.
 */
import { ArcEdgeError } from '../errors.ts';

/** A decoded image: width x height pixels, 3 bytes each in B,G,R order, rows top to bottom. */
export interface Frame {
  /** width * height * 3 bytes, B,G,R per pixel. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** A 2x3 affine matrix, row-major: [a, b, tx, c, d, ty] maps (x, y) -> (a x + b y + tx, c x + d y + ty). */
export type AffineMatrix = readonly [number, number, number, number, number, number];

/** A Frame of the given size, black or holding `data` (checked to be width x height x 3 bytes). */
export function createFrame(width: number, height: number, data?: Uint8Array): Frame {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `frame size must be positive integers; got ${width}x${height}`);
  }
  const size = width * height * 3;
  if (data && data.length !== size) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `frame data has ${data.length} bytes; ${width}x${height} BGR needs ${size}`, {
      fix: 'frames are 8-bit BGR, 3 bytes per pixel, no row padding; convert RGBA or grey data first',
    });
  }
  return { data: data ?? new Uint8Array(size), width, height };
}
