/**
 * alignFace: the align stage. Fits the similarity transform from the detector's 5 points to
 * the ArcFace template and warps the crop (bilinear, border 0), like insightface's `norm_crop`.
 */
import type { AffineMatrix, Frame } from '../image/frame.ts';
import type { FivePoints } from '../detect/types.ts';
import { warpAffine } from '../image/index.ts';
import { arcfaceTemplate } from './arcface-template.ts';
import { estimateSimilarity } from './umeyama.ts';
import { invertAffine } from './affine.ts';

/** A face warped to the ArcFace template: the crop and the matrices between frame and crop pixels. */
export interface AlignedFace {
  /** sizePx x sizePx BGR crop, ready for an ArcFace recognizer. */
  readonly crop: Frame;
  /** Frame pixels -> crop pixels. */
  readonly matrix: AffineMatrix;
  /** Crop pixels -> frame pixels (to draw crop-space results back on the frame). */
  readonly inverse: AffineMatrix;
}

/** Aligns one face; `sizePx` must be a multiple of 112 or 128 (see arcfaceTemplate). */
export function alignFace(frame: Frame, landmarks: FivePoints, sizePx = 112): AlignedFace {
  const matrix = estimateSimilarity(landmarks, arcfaceTemplate(sizePx));
  const crop = warpAffine(frame, matrix, sizePx, sizePx);
  return { crop, matrix, inverse: invertAffine(matrix) };
}
