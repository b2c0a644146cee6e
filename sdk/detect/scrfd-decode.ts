/**
 * SCRFD output decoding, pure. Facts from insightface python-package/insightface/model_zoo/
 * scrfd.py (`forward`, `distance2bbox`, `distance2kps`):
 * - per stride s the feature map is (H/s) x (W/s); anchor centres are (col*s, row*s),
 *   row-major, each repeated `anchorsPerCell` times in a row (2 for the 9-output models);
 * - boxes are distances (left, top, right, bottom) in units of s from the centre;
 * - keypoint k is centre + (dx, dy) * s; scores are already sigmoid probabilities.
 */
import type { Detection, Point } from './types.ts';

export interface ScrfdLevel {
  readonly stride: number;
  /** [N] probabilities, N = (H/s) * (W/s) * anchorsPerCell */
  readonly scores: Float32Array;
  /** [N, 4] distances in stride units */
  readonly boxes: Float32Array;
  /** [N, 10] offsets in stride units */
  readonly keypoints: Float32Array;
}

/** Candidates above `scoreThreshold`, in model-input pixels, unsorted and not suppressed. */
export function decodeScrfd(levels: readonly ScrfdLevel[], inputWidth: number, anchorsPerCell: number, scoreThreshold: number): Detection[] {
  const found: Detection[] = [];
  for (const { stride, scores, boxes, keypoints } of levels) {
    const cols = Math.ceil(inputWidth / stride);
    for (let i = 0; i < scores.length; i++) {
      const score = scores[i]!;
      if (!(score >= scoreThreshold)) continue;
      const cell = Math.floor(i / anchorsPerCell);
      const cx = (cell % cols) * stride;
      const cy = Math.floor(cell / cols) * stride;
      const b = i * 4;
      const k = i * 10;
      const point = (j: number): Point => ({ x: cx + keypoints[k + 2 * j]! * stride, y: cy + keypoints[k + 2 * j + 1]! * stride });
      found.push({
        box: {
          x1: cx - boxes[b]! * stride,
          y1: cy - boxes[b + 1]! * stride,
          x2: cx + boxes[b + 2]! * stride,
          y2: cy + boxes[b + 3]! * stride,
        },
        score,
        landmarks: [point(0), point(1), point(2), point(3), point(4)],
      });
    }
  }
  return found;
}

/** Rows a level must have for an input of this size. */
export const scrfdLevelRows = (inputWidth: number, inputHeight: number, stride: number, anchorsPerCell: number): number =>
  Math.ceil(inputWidth / stride) * Math.ceil(inputHeight / stride) * anchorsPerCell;
