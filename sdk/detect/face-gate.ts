/**
 * The face gate: a second-stage check that drops detections an independent detector does not
 * confirm (issue 24: the `default` set's UltraFace sees faces in smileys, ring patterns and
 * paintings with scores up to 1.00, where no score threshold separates them from real faces).
 *
 * Each detection's box, grown to a square of twice its longer side (black outside the frame:
 * the context a detector expects), is cut out and given to the verifier; the detection is kept
 * when the verifier finds a face there whose box overlaps it (IoU >= minIou, in frame pixels)
 * with a score >= minScore. The verifier sees ~4x the face area, so a small face is upscaled
 * to the verifier's input, not lost. Cost: one verifier run per detection (none on empty frames).
 */
import { cropFrame } from '../image/crop.ts';
import type { Frame } from '../image/frame.ts';
import { intersectionOverUnion } from './nms.ts';
import type { Detection, FaceDetector } from './types.ts';

export interface FaceGateSettings {
  /** Verifier score a confirmation needs (below the verifier's own default: it sees a crop, not the scene). */
  readonly minScore: number;
  /** Overlap a confirming box needs with the detection. */
  readonly minIou: number;
  /** Side of the square cut around a detection, as a multiple of its longer side. */
  readonly context: number;
}

// minScore 0.7: at 0.5 YuNet confirmed two smiley blobs det_500m had found; at 0.7 none, with every
// dev portrait and grey crop still confirmed for UltraFace and det_500m (docs/detect.md).
export const FACE_GATE_DEFAULTS = { minScore: 0.7, minIou: 0.3, context: 2 } as const satisfies FaceGateSettings;

/** The detections the verifier confirms, in order. */
export async function confirmFaces(frame: Frame, faces: readonly Detection[], verifier: FaceDetector, settings: Partial<FaceGateSettings> = {}): Promise<Detection[]> {
  const { minScore, minIou, context } = { ...FACE_GATE_DEFAULTS, ...settings };
  const kept: Detection[] = [];
  for (const face of faces) {
    const side = Math.max(32, Math.round(Math.max(face.box.x2 - face.box.x1, face.box.y2 - face.box.y1) * context));
    const x = Math.round((face.box.x1 + face.box.x2) / 2 - side / 2);
    const y = Math.round((face.box.y1 + face.box.y2) / 2 - side / 2);
    const found = await verifier.detect(cropFrame(frame, { x, y, width: side, height: side }), { scoreThreshold: minScore });
    const confirmed = found.some((f) => intersectionOverUnion({ x1: f.box.x1 + x, y1: f.box.y1 + y, x2: f.box.x2 + x, y2: f.box.y2 + y }, face.box) >= minIou);
    if (confirmed) kept.push(face);
  }
  return kept;
}
