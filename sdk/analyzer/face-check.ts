/**
 * The face check, on by default (issue 24 item 5): every detection's aligned crop goes through
 * the registry's `default` recognizer (faceplugin-feature-512, fr_feature.onnx, MIT, npm), and a
 * detection whose raw embedding norm (before L2 normalisation) is below `minEmbeddingNorm` is
 * dropped as not a face, unless its 68 landmark points stay put when its box is moved (real but
 * poorly lit or small faces have low norms too; the drift tells them from textures). ArcFace-family models give low norms to crops they cannot read as a
 * face (the same property that makes the norm the agent's vote weight; docs/eval.md, ERC).
 *
 * Why this model for every set: it is the one recognizer every set can reach (npm, like the
 * 68-point pose model), so one threshold, measured once, holds whatever detector found the face.
 * Measured on 1,000 face-free frames (test/detect/face-free.ts; docs/detect.md, "Face check"):
 * UltraFace's 30 false faces (smiley blobs, ring patterns, landscape windows, a painting) have
 * norms 1.4-2.9; the subject of every dev portrait and 92x112 grey crop has 3.1 or more.
 * Cost: one 112x112 recognizer run per detection (~10 ms on a desktop CPU core), and five 64x64
 * landmark runs (~0.3 ms each) for a detection below the norm; none on frames without a detection.
 */
import { alignFace } from '../align/index.ts';
import type { Landmark68 } from '../detect/landmark68.ts';
import type { Box, Detection } from '../detect/types.ts';
import type { Embedder } from '../embed/index.ts';
import type { Frame } from '../image/frame.ts';

export interface FaceCheckSettings {
  /** Raw fr_feature embedding norm at or above which a detection is a face. */
  readonly minEmbeddingNorm: number;
  /** Below that norm, the face is still kept when its 68 points drift at most this (box widths). */
  readonly maxLandmarkDrift: number;
}

/** The recognizer the check runs, from the registry's `default` set. */
export const FACE_CHECK_MODEL = { set: 'default', id: 'faceplugin-feature-512' } as const;

// 3.0: between the highest false face (2.91, an aerial photo window) and most real subjects; the
// drift of 0.02 rescues the few real faces below it (dev crops drift 0.009-0.017; every false face
// drifted 0.025 or more). docs/detect.md, "Face check".
export const FACE_CHECK_DEFAULTS = { minEmbeddingNorm: 3.0, maxLandmarkDrift: 0.02 } as const satisfies FaceCheckSettings;

/** The box grown, shrunk and shifted: a face's points follow the face, a texture's wander. */
const PERTURBATIONS = [
  [1.2, 0, 0],
  [0.85, 0, 0],
  [1, 0.1, 0],
  [1, 0, 0.1],
] as const;

function perturb(b: Box, scale: number, dx: number, dy: number): Box {
  const w = b.x2 - b.x1, h = b.y2 - b.y1;
  const cx = (b.x1 + b.x2) / 2 + dx * w, cy = (b.y1 + b.y2) / 2 + dy * h;
  return { x1: cx - (w * scale) / 2, y1: cy - (h * scale) / 2, x2: cx + (w * scale) / 2, y2: cy + (h * scale) / 2 };
}

/**
 * Mean distance the 68 points move when the box is perturbed, over the box width: a face's
 * points stay on the face (a few hundredths of the box), a texture's follow the box.
 */
export async function landmarkDrift(frame: Frame, box: Box, landmarks: Landmark68): Promise<number> {
  const base = await landmarks.locate(frame, box);
  const width = Math.max(1, box.x2 - box.x1);
  let drift = 0;
  for (const [scale, dx, dy] of PERTURBATIONS) {
    const moved = await landmarks.locate(frame, perturb(box, scale, dx, dy));
    drift += moved.reduce((sum, p, i) => sum + Math.hypot(p.x - base[i]!.x, p.y - base[i]!.y), 0) / moved.length / width;
  }
  return drift / PERTURBATIONS.length;
}

/**
 * The detections the check keeps, in order: a raw embedding norm of at least minEmbeddingNorm,
 * or (the landmark model given) 68 points that stay put when the box moves.
 */
export async function checkFaces(frame: Frame, faces: readonly Detection[], recognizer: Embedder, landmarks: Landmark68 | undefined, settings: Partial<FaceCheckSettings> = {}): Promise<Detection[]> {
  if (faces.length === 0) return [];
  const { minEmbeddingNorm, maxLandmarkDrift } = { ...FACE_CHECK_DEFAULTS, ...settings };
  const crops = faces.map((f) => alignFace(frame, f.landmarks, recognizer.cropSize.width).crop);
  const norms = await recognizer.embedWithNorms(crops);
  const kept: Detection[] = [];
  for (const [i, face] of faces.entries()) {
    if (norms[i]!.norm >= minEmbeddingNorm) kept.push(face);
    else if (landmarks && (await landmarkDrift(frame, face.box, landmarks)) <= maxLandmarkDrift) kept.push(face);
  }
  return kept;
}
