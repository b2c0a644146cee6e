/**
 * Black border around a frame. Tight face crops (faceapi_bbt's 150x150) fill the whole
 * frame, and SCRFD misses faces that touch every edge (shared/assets/README.md): pad by
 * 50% of each side first.
 */
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';

export interface PaddedFrame {
  readonly frame: Frame;
  /** Where the original's top-left now is: subtract to map points back. */
  readonly offsetX: number;
  readonly offsetY: number;
}

/** Pads every side by `fraction` of the frame's width (left/right) and height (top/bottom). */
export function padFrame(frame: Frame, fraction = 0.5): PaddedFrame {
  if (!(fraction >= 0)) throw new ArcEdgeError('INVALID_ARGUMENT', `pad fraction must be >= 0; got ${fraction}`);
  const offsetX = Math.round(frame.width * fraction);
  const offsetY = Math.round(frame.height * fraction);
  const width = frame.width + 2 * offsetX;
  const height = frame.height + 2 * offsetY;
  const data = new Uint8Array(width * height * 3);
  const rowBytes = frame.width * 3;
  for (let y = 0; y < frame.height; y++) {
    data.set(frame.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((y + offsetY) * width + offsetX) * 3);
  }
  return { frame: { data, width, height }, offsetX, offsetY };
}
