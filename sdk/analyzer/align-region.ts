/**
 * Aligns a face by warping only the part of the frame the crop reads. The OpenCV adapter copies
 * its whole input into a native Mat on every call, so warping a 112x112 crop straight out of a
 * 12 MP photo copies 36 MB per face; cutting the source region out first (a few row copies in
 * JS) makes the cost depend on the face, not the frame. The crop is the same: the similarity
 * transform of the shifted points is the original one shifted, and pixels outside the frame are
 * black either way.
 */
import { alignFace, arcfaceTemplate, estimateSimilarity, invertAffine, applyAffine } from '../align/index.ts';
import type { FivePoints } from '../detect/types.ts';
import { cropFrame } from '../image/index.ts';
import type { Frame } from '../image/frame.ts';

// Bilinear sampling reads one pixel beyond the mapped position; 2 px keeps rounding safe.
const MARGIN_PX = 2;

export function alignFaceInRegion(frame: Frame, landmarks: FivePoints, sizePx: number): Frame {
  const inverse = invertAffine(estimateSimilarity(landmarks, arcfaceTemplate(sizePx)));
  const corners = [
    { x: 0, y: 0 },
    { x: sizePx, y: 0 },
    { x: 0, y: sizePx },
    { x: sizePx, y: sizePx },
  ].map((p) => applyAffine(inverse, p));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))) - MARGIN_PX);
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))) - MARGIN_PX);
  const x1 = Math.min(frame.width, Math.ceil(Math.max(...corners.map((p) => p.x))) + MARGIN_PX);
  const y1 = Math.min(frame.height, Math.ceil(Math.max(...corners.map((p) => p.y))) + MARGIN_PX);
  // Not worth a copy when the face fills most of the frame (or lies entirely outside it).
  if (x1 <= x0 || y1 <= y0 || (x1 - x0) * (y1 - y0) > 0.5 * frame.width * frame.height) {
    return alignFace(frame, landmarks, sizePx).crop;
  }
  const region = cropFrame(frame, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  const shifted = landmarks.map((p) => ({ x: p.x - x0, y: p.y - y0 })) as unknown as FivePoints;
  return alignFace(region, shifted, sizePx).crop;
}
