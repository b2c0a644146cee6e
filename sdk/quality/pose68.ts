/**
 * Head pose from 68 landmarks: a perspective-n-point fit of the generic 3D head (head-model.ts)
 * under a weak-perspective camera (scaled orthographic: the face's ~10 cm of depth is small
 * against any camera distance a recognizer can use, and no camera intrinsics are needed).
 *
 * Angles (degrees, the same conventions as the 5-point estimate in pose.ts):
 * - yaw: about the head's vertical axis, positive = nose towards image right;
 * - pitch: about the horizontal axis, positive = nose down (looking down);
 * - roll: in the image plane, positive = the eye line turns clockwise (image y is down).
 * The rotation applied to the model is R = Rz(roll) · Rx(pitch) · Ry(yaw).
 *
 * Solver: for fixed angles the best scale and translation are linear (closed form), so only the 3
 * angles are searched, by Gauss-Newton with a numeric Jacobian from a start at roll = eye-line
 * angle, yaw = pitch = 0. 14 points, ~10 iterations: a few microseconds.
 */
import type { Point } from '../detect/types.ts';
import { ArcEdgeError } from '../errors.ts';
import { HEAD_MODEL_CM, HEAD_MODEL_IBUG68 } from './head-model.ts';
import type { PoseDeg } from './pose.ts';

const DEG = 180 / Math.PI;
type Vec3 = readonly [number, number, number];

/** The model rotated by (yaw, pitch, roll) in radians: camera-frame x, y (z dropped by the camera). */
export function rotateModel(yaw: number, pitch: number, roll: number, model: readonly Vec3[] = HEAD_MODEL_CM): [number, number, number][] {
  const [cy, sy, cp, sp, cr, sr] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch), Math.cos(roll), Math.sin(roll)];
  return model.map(([x, y, z]) => {
    // yaw about y: the nose (z < 0) moves to +x for yaw > 0
    const x1 = x * cy - z * sy;
    const z1 = x * sy + z * cy;
    // pitch about x: the nose moves to +y (down) for pitch > 0
    const y2 = y * cp - z1 * sp;
    const z2 = y * sp + z1 * cp;
    // roll in the image plane
    return [x1 * cr - y2 * sr, x1 * sr + y2 * cr, z2];
  });
}

/** Weak-perspective projection of the model at a pose: scale px/cm, then shift. For tests and synthetic data. */
export function projectHeadModel(pose: PoseDeg, scale = 10, offset: Point = { x: 0, y: 0 }): Point[] {
  return rotateModel(pose.yawDeg / DEG, pose.pitchDeg / DEG, pose.rollDeg / DEG).map(([x, y]) => ({ x: offset.x + scale * x, y: offset.y + scale * y }));
}

/** Sum of squared residuals after the closed-form scale + translation, and the residual vector. */
function residuals(angles: readonly [number, number, number], image: readonly Point[], out: Float64Array): number {
  const q = rotateModel(angles[0], angles[1], angles[2]);
  const n = q.length;
  let qx = 0, qy = 0, px = 0, py = 0;
  for (let i = 0; i < n; i++) (qx += q[i]![0]), (qy += q[i]![1]), (px += image[i]!.x), (py += image[i]!.y);
  (qx /= n), (qy /= n), (px /= n), (py /= n);
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const ax = q[i]![0] - qx, ay = q[i]![1] - qy;
    num += ax * (image[i]!.x - px) + ay * (image[i]!.y - py);
    den += ax * ax + ay * ay;
  }
  const s = den > 0 ? num / den : 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[2 * i] = px + s * (q[i]![0] - qx) - image[i]!.x;
    out[2 * i + 1] = py + s * (q[i]![1] - qy) - image[i]!.y;
    sum += out[2 * i]! ** 2 + out[2 * i + 1]! ** 2;
  }
  return sum;
}

/** Solves 3x3 A x = b (Cramer); undefined when singular. */
function solve3(a: number[][], b: number[]): [number, number, number] | undefined {
  const det = (m: number[][]) => m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) - m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) + m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const d = det(a);
  if (!(Math.abs(d) > 1e-12)) return undefined;
  const col = (k: number) => det(a.map((row, i) => row.map((v, j) => (j === k ? b[i]! : v))));
  return [col(0) / d, col(1) / d, col(2) / d];
}

/** Pose of the model points (image pixels, in HEAD_MODEL_IBUG68 order) by Gauss-Newton over the 3 angles. */
export function fitHeadPose(image: readonly Point[]): PoseDeg & { rmsPx: number } {
  const n = HEAD_MODEL_CM.length;
  if (image.length !== n) throw new ArcEdgeError('INVALID_ARGUMENT', `fitHeadPose needs ${n} points (HEAD_MODEL_IBUG68 order), got ${image.length}`);
  // Start: roll from the line through the outer eye corners, yaw = pitch = 0.
  let x: [number, number, number] = [0, 0, Math.atan2(image[7]!.y - image[4]!.y, image[7]!.x - image[4]!.x)];
  const r = new Float64Array(2 * n), rh = new Float64Array(2 * n);
  let cost = residuals(x, image, r);
  const h = 1e-5;
  for (let iter = 0; iter < 30; iter++) {
    const jac: Float64Array[] = [];
    for (let k = 0; k < 3; k++) {
      const xk = [...x] as [number, number, number];
      xk[k] += h;
      residuals(xk, image, rh);
      jac.push(rh.map((v, i) => (v - r[i]!) / h));
    }
    const jtj = [0, 1, 2].map((a) => [0, 1, 2].map((b) => jac[a]!.reduce((s, v, i) => s + v * jac[b]![i]!, 0)));
    const jtr = [0, 1, 2].map((a) => -jac[a]!.reduce((s, v, i) => s + v * r[i]!, 0));
    // A little damping keeps a near-degenerate (profile) fit from jumping.
    for (let k = 0; k < 3; k++) jtj[k]![k]! *= 1.0001, (jtj[k]![k]! += 1e-9);
    const step = solve3(jtj, jtr);
    if (!step) break;
    let t = 1;
    let next: [number, number, number] = x;
    let nextCost = cost;
    // Backtracking: take the step only if it lowers the cost.
    for (let tries = 0; tries < 8; tries++, t /= 2) {
      const cand: [number, number, number] = [x[0] + t * step[0], x[1] + t * step[1], x[2] + t * step[2]];
      // Keep yaw and pitch within ±90°: beyond, the weak-perspective fit mirrors.
      cand[0] = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, cand[0]));
      cand[1] = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, cand[1]));
      const c = residuals(cand, image, rh);
      if (c < nextCost) (next = cand), (nextCost = c);
      if (c < cost) break;
    }
    if (next === x) break;
    const moved = Math.abs(next[0] - x[0]) + Math.abs(next[1] - x[1]) + Math.abs(next[2] - x[2]);
    x = next;
    cost = residuals(x, image, r);
    if (moved < 1e-7) break;
  }
  const roll = Math.atan2(Math.sin(x[2]), Math.cos(x[2]));
  return { yawDeg: x[0] * DEG, pitchDeg: x[1] * DEG, rollDeg: roll * DEG, rmsPx: Math.sqrt(cost / n) };
}

/** Pose from all 68 iBUG points (frame pixels): picks the model's 14 and fits. */
export function estimatePose68(points: readonly Point[]): PoseDeg {
  if (points.length !== 68) throw new ArcEdgeError('INVALID_ARGUMENT', `estimatePose68 needs the 68 iBUG points, got ${points.length}`);
  const { yawDeg, pitchDeg, rollDeg } = fitHeadPose(HEAD_MODEL_IBUG68.map((i) => points[i]!));
  return { yawDeg, pitchDeg, rollDeg };
}
