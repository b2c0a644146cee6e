/**
 * Where the liveness model looks: the face box scaled around its centre (the model was trained
 * on context around the face: screen bezels, paper edges, moiré). The crop never leaves the
 * frame: black padding reads as an artificial border and flips the model to "fake". When the
 * scaled square runs outside the frame it is first shrunk to fit the frame's shorter side, then
 * shifted back inside, so the face stays in view even if off-centre.
 */
import type { Box } from '../detect/types.ts';
import type { PixelRect } from '../image/crop.ts';

export type { PixelRect };

/** Square crop of side max(box w, h) * scale, clamped inside a frameWidth x frameHeight frame. */
export function livenessCropRect(box: Box, frameWidth: number, frameHeight: number, scale: number): PixelRect {
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const wanted = Math.max(box.x2 - box.x1, box.y2 - box.y1) * scale;
  const side = Math.max(1, Math.min(Math.round(wanted), frameWidth, frameHeight));
  const clampStart = (centre: number, limit: number): number => Math.min(Math.max(0, Math.round(centre - side / 2)), limit - side);
  return { x: clampStart(cx, frameWidth), y: clampStart(cy, frameHeight), width: side, height: side };
}
