/**
 * The one frame type the whole pipeline passes around: 8-bit BGR, interleaved (HWC),
 * row-major, no padding between rows. BGR because that is what OpenCV, cameras through
 * GStreamer/V4L2 and YuNet use natively; models that want RGB swap in their preprocessing.
 */
export interface Frame {
  /** width * height * 3 bytes, B,G,R per pixel. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** A 2x3 affine matrix, row-major: [a, b, tx, c, d, ty] maps (x, y) -> (a x + b y + tx, c x + d y + ty). */
export type AffineMatrix = readonly [number, number, number, number, number, number];

export function createFrame(width: number, height: number, data?: Uint8Array): Frame {
  const size = width * height * 3;
  if (data && data.length !== size) {
    throw new RangeError(`frame data has ${data.length} bytes; ${width}x${height} BGR needs ${size}`);
  }
  return { data: data ?? new Uint8Array(size), width, height };
}
