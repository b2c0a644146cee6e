/**
 * Head pose from the 5 detector points, without a 3D fit.
 *
 * Geometry (weak-perspective camera, generic face):
 * - roll: angle of the eye line (left eye -> right eye) against the image x axis. Exact up to
 *   landmark noise. The points are then rotated by -roll about the eye midpoint so the rest
 *   works in an upright face frame.
 * - yaw: when the head turns by θ, the eye span shrinks to E·cosθ while the nose tip, which sits a
 *   depth d in front of the eye/mouth plane, moves sideways by d·sinθ. So
 *   offset / span = (d/E)·tanθ, where offset is the nose's distance from the face midline
 *   (the line through the eye midpoint and the mouth midpoint, taken at the nose's height) and
 *   span is the eye distance. d/E = 0.45 is a generic-face constant: the common 6-point head
 *   model used with solvePnP puts the eyes ~135 units behind the nose tip for eye centres
 *   ~300 apart. Positive yaw = nose towards image right.
 * - pitch: the nose tip sits at fraction t of the way from the eye line to the mouth line.
 *   Frontal faces have t0 ≈ 0.62: the pupil-to-nose-tip height is about 0.62 of the
 *   pupil-to-mouth-corner height in adult anthropometric norms (Farkas), and SCRFD's points on
 *   the frontal dev portraits measure 0.61-0.66. (Not the ArcFace template's 0.495: that
 *   template is a crop layout, not an average face.) Tilting by φ moves the nose along that axis
 *   by d·sinφ while the eye-mouth height shrinks to H·cosφ, so (t - t0) = (d/H)·tanφ, with
 *   d/H ≈ 0.40 (the same nose depth; eye span and eye-mouth height are about equal on real
 *   faces). Positive pitch = nose lower = looking down.
 *
 * Limits: accurate to roughly ±10° for |yaw|, |pitch| < 45°; beyond that detector points are
 * unreliable (occluded eye, nose on the cheek outline) and the estimate saturates. Individual
 * faces differ from the generic depth ratios (a flat or long nose biases yaw/pitch by a few
 * degrees), and yaw/pitch couple slightly at large roll. Treat it as a gate, not a measurement.
 */
import type { FivePoints } from '../detect/types.ts';

export interface PoseDeg {
  readonly yawDeg: number;
  readonly pitchDeg: number;
  readonly rollDeg: number;
}

const NOSE_DEPTH_OVER_EYE_SPAN = 0.45;
const NOSE_DEPTH_OVER_EYE_MOUTH_HEIGHT = 0.4;
const FRONTAL_NOSE_FRACTION = 0.62;
const DEG = 180 / Math.PI;

export function estimatePose(points: FivePoints): PoseDeg {
  const [leftEye, rightEye, nose, leftMouth, rightMouth] = points;
  const roll = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  const cx = (leftEye.x + rightEye.x) / 2;
  const cy = (leftEye.y + rightEye.y) / 2;
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  // Upright face frame: origin at the eye midpoint, eye line along +x.
  const upright = (p: { x: number; y: number }) => ({
    x: (p.x - cx) * cos - (p.y - cy) * sin,
    y: (p.x - cx) * sin + (p.y - cy) * cos,
  });
  const le = upright(leftEye);
  const re = upright(rightEye);
  const n = upright(nose);
  const lm = upright(leftMouth);
  const rm = upright(rightMouth);
  const eyeSpan = re.x - le.x;
  const mouth = { x: (lm.x + rm.x) / 2, y: (lm.y + rm.y) / 2 };
  const height = mouth.y; // eye midpoint is the origin
  if (!(eyeSpan > 0) || !(height > 0)) {
    // Degenerate points (eyes swapped or mouth above the eyes): the face is not upright enough
    // to estimate; report the extreme so a quality gate rejects it.
    return { yawDeg: eyeSpan > 0 ? 0 : 90, pitchDeg: height > 0 ? 0 : 90, rollDeg: roll * DEG };
  }
  const t = n.y / height;
  const midlineX = mouth.x * t; // midline through (0,0) and the mouth midpoint, at the nose's height
  const yaw = Math.atan((n.x - midlineX) / (NOSE_DEPTH_OVER_EYE_SPAN * eyeSpan));
  const pitch = Math.atan((t - FRONTAL_NOSE_FRACTION) / NOSE_DEPTH_OVER_EYE_MOUTH_HEIGHT);
  return { yawDeg: yaw * DEG, pitchDeg: pitch * DEG, rollDeg: roll * DEG };
}
