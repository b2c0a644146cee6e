/**
 * The face check, opt-in (`faceCheck: {}`; issue 24 item 5): every detection's aligned crop goes through
 * the registry's `default` recognizer (faceplugin-feature-512, fr_feature.onnx, MIT, npm), and a
 * detection is kept when its raw embedding norm (before L2 normalisation) minus a penalty for
 * landmark drift (how far its 68 points move when the box is grown, shrunk or shifted: a face's
 * points stay on the face, a texture's follow the box) reaches `minFaceScore`. ArcFace-family models give low norms to crops they cannot read as a
 * face (the same property that makes the norm the agent's vote weight; docs/eval.md, ERC).
 *
 * Why this model for every set: it is the one recognizer every set can reach (npm, like the
 * 68-point pose model), so one threshold, measured once, holds whatever detector found the face.
 * Measured on 1,000 face-free frames (test/detect/face-free.ts; docs/detect.md, "Face check"):
 * UltraFace's 30 false faces (smiley blobs, ring patterns, landscape windows, a painting) have
 * norms 1.4-2.9 and drift 0.025-0.165 box widths; real subjects mostly norm > 3, drift < 0.02.
 * Cost per detection: one 112x112 recognizer run (~10 ms on a desktop CPU core) and five 64x64
 * landmark runs (~0.3 ms each); nothing on frames without a detection.
 */
import { alignFace } from '../align/index.ts';
import type { Landmark68 } from '../detect/landmark68.ts';
import type { Box, Detection } from '../detect/types.ts';
import type { Embedder } from '../embed/index.ts';
import type { Frame } from '../image/frame.ts';

export interface FaceCheckSettings {
  /** A detection is kept when norm - driftWeight x drift reaches this (norm: raw fr_feature embedding norm). */
  readonly minFaceScore: number;
  /** Norm units per box width of landmark drift. */
  readonly driftWeight: number;
  /** Without the 68-point model (offline, not cached): the norm alone must reach this. */
  readonly minEmbeddingNorm: number;
}

/** The recognizer the check runs, from the registry's `default` set. */
export const FACE_CHECK_MODEL = { set: 'default', id: 'faceplugin-feature-512' } as const;

// Measured on UltraFace's 30 false faces and the dev portraits and 92x112 grey crops
// (docs/detect.md, "Face check"): norm - 10 x drift is at most 1.76 on a false face and at least
// 2.07 on a real one (a turned grey crop whose points drift 0.066); 1.9 sits between. The norm
// alone separates less well: false faces reach 2.91, real crops go down to 2.74.
export const FACE_CHECK_DEFAULTS = { minFaceScore: 1.9, driftWeight: 10, minEmbeddingNorm: 3.0 } as const satisfies FaceCheckSettings;

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
 * The detections the check keeps, in order: norm - driftWeight x drift >= minFaceScore, or, without
 * the landmark model, norm >= minEmbeddingNorm.
 */
export async function checkFaces(frame: Frame, faces: readonly Detection[], recognizer: Embedder, landmarks: Landmark68 | undefined, settings: Partial<FaceCheckSettings> = {}): Promise<Detection[]> {
  if (faces.length === 0) return [];
  const { minFaceScore, driftWeight, minEmbeddingNorm } = { ...FACE_CHECK_DEFAULTS, ...settings };
  const crops = faces.map((f) => alignFace(frame, f.landmarks, recognizer.cropSize.width).crop);
  const norms = await recognizer.embedWithNorms(crops);
  const kept: Detection[] = [];
  for (const [i, face] of faces.entries()) {
    const norm = norms[i]!.norm;
    if (!landmarks) {
      if (norm >= minEmbeddingNorm) kept.push(face);
    } else if (norm >= minFaceScore && norm - driftWeight * (await landmarkDrift(frame, face.box, landmarks)) >= minFaceScore) kept.push(face);
  }
  return kept;
}
