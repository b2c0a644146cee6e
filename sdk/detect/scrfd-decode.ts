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

/**
 * Candidates above `scoreThreshold`, in model-input pixels, unsorted and not suppressed.
 * Hot path (16800 anchors per 640x640 run, a handful above threshold): the scan touches only
 * the scores, and objects are built only for the survivors.
 */
export function decodeScrfd(levels: readonly ScrfdLevel[], inputWidth: number, anchorsPerCell: number, scoreThreshold: number): Detection[] {
  const found: Detection[] = [];
  for (let l = 0; l < levels.length; l++) {
    const scores = levels[l]!.scores;
    const n = scores.length;
    for (let i = 0; i < n; i++) {
      // NaN fails this test too, so a broken output yields no detections rather than NaN boxes.
      if (scores[i]! >= scoreThreshold) found.push(decodeAnchor(levels[l]!, i, inputWidth, anchorsPerCell));
    }
  }
  return found;
}

function decodeAnchor(level: ScrfdLevel, i: number, inputWidth: number, anchorsPerCell: number): Detection {
  const { stride, scores, boxes, keypoints } = level;
  const cols = Math.ceil(inputWidth / stride);
  const cell = Math.floor(i / anchorsPerCell);
  const cx = (cell % cols) * stride;
  const cy = Math.floor(cell / cols) * stride;
  const b = i * 4;
  const k = i * 10;
  const point = (j: number): Point => ({ x: cx + keypoints[k + 2 * j]! * stride, y: cy + keypoints[k + 2 * j + 1]! * stride });
  return {
    box: {
      x1: cx - boxes[b]! * stride,
      y1: cy - boxes[b + 1]! * stride,
      x2: cx + boxes[b + 2]! * stride,
      y2: cy + boxes[b + 3]! * stride,
    },
    score: scores[i]!,
    landmarks: [point(0), point(1), point(2), point(3), point(4)],
  };
}

/** Rows a level must have for an input of this size. */
export const scrfdLevelRows = (inputWidth: number, inputHeight: number, stride: number, anchorsPerCell: number): number =>
  Math.ceil(inputWidth / stride) * Math.ceil(inputHeight / stride) * anchorsPerCell;
