/**
 * YuNet (OpenCV Zoo, 2023mar) output decoding, pure. Facts (shared/assets/README.md, and
 * OpenCV's modules/objdetect/src/face_detect.cpp `postProcess`): one anchor per cell,
 * row-major per stride s; score = sqrt(clamp01(cls) * clamp01(obj));
 * cx = (col + b0) * s, cy = (row + b1) * s, w = exp(b2) * s, h = exp(b3) * s;
 * keypoint k = ((col + kx) * s, (row + ky) * s).
 */
import type { Detection, Point } from './types.ts';

export interface YunetLevel {
  readonly stride: number;
  /** [N] class probability */
  readonly cls: Float32Array;
  /** [N] objectness */
  readonly obj: Float32Array;
  /** [N, 4] */
  readonly boxes: Float32Array;
  /** [N, 10] */
  readonly keypoints: Float32Array;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Candidates above `scoreThreshold`, in model-input pixels, unsorted and not suppressed. */
export function decodeYunet(levels: readonly YunetLevel[], inputWidth: number, scoreThreshold: number): Detection[] {
  const found: Detection[] = [];
  for (const { stride, cls, obj, boxes, keypoints } of levels) {
    const cols = Math.ceil(inputWidth / stride);
    for (let i = 0; i < cls.length; i++) {
      const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
      if (!(score >= scoreThreshold)) continue;
      const col = i % cols;
      const row = Math.floor(i / cols);
      const b = i * 4;
      const k = i * 10;
      const cx = (col + boxes[b]!) * stride;
      const cy = (row + boxes[b + 1]!) * stride;
      const w = Math.exp(boxes[b + 2]!) * stride;
      const h = Math.exp(boxes[b + 3]!) * stride;
      const point = (j: number): Point => ({ x: (col + keypoints[k + 2 * j]!) * stride, y: (row + keypoints[k + 2 * j + 1]!) * stride });
      found.push({
        box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 },
        score,
        landmarks: [point(0), point(1), point(2), point(3), point(4)],
      });
    }
  }
  return found;
}
