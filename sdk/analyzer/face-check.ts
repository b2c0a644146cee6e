/**
 * The face check, on by default (issue 24 item 5): every detection's aligned crop goes through
 * the registry's `default` recognizer (faceplugin-feature-512, fr_feature.onnx, MIT, npm), and a
 * detection whose raw embedding norm (before L2 normalisation) is below `minEmbeddingNorm` is
 * dropped as not a face. ArcFace-family models give low norms to crops they cannot read as a
 * face (the same property that makes the norm the agent's vote weight; docs/eval.md, ERC).
 *
 * Why this model for every set: it is the one recognizer every set can reach (npm, like the
 * 68-point pose model), so one threshold, measured once, holds whatever detector found the face.
 * Measured on 1,000 face-free frames (test/detect/face-free.ts; docs/detect.md, "Face check"):
 * UltraFace's 30 false faces (smiley blobs, ring patterns, landscape windows, a painting) have
 * norms 1.4-2.9; the subject of every dev portrait and 92x112 grey crop has 3.1 or more.
 * Cost: one 112x112 recognizer run per detection (~10 ms on a desktop CPU core), none on frames
 * without a detection.
 */
import { alignFace } from '../align/index.ts';
import type { Detection } from '../detect/types.ts';
import type { Embedder } from '../embed/index.ts';
import type { Frame } from '../image/frame.ts';

export interface FaceCheckSettings {
  /** Raw fr_feature embedding norm a detection needs to count as a face. */
  readonly minEmbeddingNorm: number;
}

/** The recognizer the check runs, from the registry's `default` set. */
export const FACE_CHECK_MODEL = { set: 'default', id: 'faceplugin-feature-512' } as const;

// 3.0: between the highest false face (2.91, an aerial photo window) and the lowest real subject
// (3.15, a grey 92x112 crop) on the measurement above.
export const FACE_CHECK_DEFAULTS = { minEmbeddingNorm: 3.0 } as const satisfies FaceCheckSettings;

/** The detections whose crop the recognizer reads as a face, in order. */
export async function checkFaces(frame: Frame, faces: readonly Detection[], recognizer: Embedder, settings: Partial<FaceCheckSettings> = {}): Promise<Detection[]> {
  if (faces.length === 0) return [];
  const { minEmbeddingNorm } = { ...FACE_CHECK_DEFAULTS, ...settings };
  const crops = faces.map((f) => alignFace(frame, f.landmarks, recognizer.cropSize.width).crop);
  const norms = await recognizer.embedWithNorms(crops);
  return faces.filter((_, i) => norms[i]!.norm >= minEmbeddingNorm);
}
