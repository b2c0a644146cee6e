/** Rectangular crops in plain TypeScript (row copies; no reason to cross into native code). */
import { ArcEdgeError } from '../errors.ts';
import { createFrame, type Frame } from './frame.ts';

/** Integer pixel rectangle; may extend past the frame edges. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Copies `rect` out of the frame; the parts outside the frame are black (zero), never clamped. */
export function cropFrame(frame: Frame, rect: PixelRect): Frame {
  const { x, y, width, height } = rect;
  if (![x, y, width, height].every(Number.isInteger) || width <= 0 || height <= 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `crop rectangle ${JSON.stringify(rect)} must be integers with positive width and height`, {
      fix: 'round the box first, e.g. Math.floor for x/y and Math.ceil for the size',
    });
  }
  const out = createFrame(width, height);
  const left = Math.max(0, x), right = Math.min(frame.width, x + width);
  const top = Math.max(0, y), bottom = Math.min(frame.height, y + height);
  if (left >= right || top >= bottom) return out;
  const rowBytes = (right - left) * 3;
  for (let row = top; row < bottom; row++) {
    const from = (row * frame.width + left) * 3;
    out.data.set(frame.data.subarray(from, from + rowBytes), ((row - y) * width + (left - x)) * 3);
  }
  return out;
}
