/**
 * Faces that fill the frame or touch its border. Detectors trained on WIDER FACE-style crops
 * rarely saw a face running off every edge: on a 92x112 face crop det_500m found no face at all,
 * and a face cut by the border gets a box and 5 points guessed from half a face. So when the
 * first pass finds nothing, or finds a face touching the border, the frame is detected once more
 * with a black margin around it (read through the preprocessing's region, no copy of the frame),
 * and the two passes are merged. A first pass whose faces all lie inside the frame is returned
 * as it is: clean frames cost nothing extra and give exactly what one pass gives.
 */
import type { Frame } from '../image/frame.ts';
import type { PixelRect } from '../image/index.ts';
import type { Size } from './input-plan.ts';
import { intersectionOverUnion } from './nms.ts';
import type { Box, Point } from './types.ts';

/**
 * Margin added on every side for the second pass, as a fraction of the frame's side: a face
 * filling the frame then fills half of the padded one, the scale at which the detectors find
 * tight crops (shared/assets/README.md: 150x150 crops padded by 50% a side, 275/275 found).
 */
export const RETRY_MARGIN = 0.5;

/**
 * A box edge closer to the frame edge than this fraction of the frame's shorter side counts as
 * touching it: detectors place the box of a face cut by the border on or beyond the edge.
 */
export const BORDER_TOLERANCE = 0.01;

export interface Candidate {
  readonly box: Box;
  readonly score: number;
}

export interface TwoPassSettings {
  /** false: one pass only, as before (e.g. a camera loop that must bound the cost of empty frames). */
  readonly enabled: boolean;
  /** IoU above which a second-pass face is the same face as a first-pass one. */
  readonly nmsIou: number;
  /** 0 = all. Applied after the merge, highest score first. */
  readonly maxFaces: number;
  /** The model input's aspect ratio, when it has one: the padded frame is widened to it. */
  readonly inputSize: Size | undefined;
  /** Region the first pass reads (default the whole frame), e.g. a canvas around a small frame. */
  readonly firstRegion?: PixelRect | undefined;
}



/**
 * One detector pass over `region` of the frame (default the whole frame; outside the frame is
 * black). Returns faces after NMS, without the maxFaces cut, in region pixels.
 */
export type DetectorPass<T extends Candidate> = (frame: Frame, region: PixelRect | undefined) => Promise<T[]>;

export function touchesBorder(box: Box, frame: Size): boolean {
  const tolerance = BORDER_TOLERANCE * Math.min(frame.width, frame.height);
  return box.x1 <= tolerance || box.y1 <= tolerance || box.x2 >= frame.width - tolerance || box.y2 >= frame.height - tolerance;
}

/**
 * The smallest canvas around the frame, centred, with `margin` (a fraction of each side) added on
 * every side and widened to the model input's aspect when it has one: letterbox then wastes
 * nothing, and a stretched input (UltraFace) keeps the face's proportions. As a region: negative
 * x/y are the black margin.
 */
export function canvasRegion(frame: Size, inputSize: Size | undefined, margin: number): PixelRect {
  let width = Math.round(frame.width * (1 + 2 * margin));
  let height = Math.round(frame.height * (1 + 2 * margin));
  if (inputSize) {
    const aspect = inputSize.width / inputSize.height;
    if (width / height < aspect) width = Math.round(height * aspect);
    else height = Math.round(width / aspect);
  }
  return { x: -Math.floor((width - frame.width) / 2), y: -Math.floor((height - frame.height) / 2), width, height };
}

/** The padded frame of the second pass. */
export const retryRegion = (frame: Size, inputSize: Size | undefined): PixelRect => canvasRegion(frame, inputSize, RETRY_MARGIN);

const shiftBox = (b: Box, dx: number, dy: number): Box => ({ x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy });
const shiftPoint = (p: Point, dx: number, dy: number): Point => ({ x: p.x + dx, y: p.y + dy });

/** Moves a candidate (and its landmarks, when it has them) by (dx, dy). */
export function shiftCandidate<T extends Candidate & { readonly landmarks?: readonly Point[] }>(c: T, dx: number, dy: number): T {
  const moved = { ...c, box: shiftBox(c.box, dx, dy) };
  if (c.landmarks) return { ...moved, landmarks: c.landmarks.map((p) => shiftPoint(p, dx, dy)) } as T;
  return moved;
}

/**
 * First pass; if it is not clean, a second pass on the padded frame, merged:
 * - first-pass faces inside the frame are kept as they are;
 * - a first-pass face touching the border is replaced by the second-pass face that overlaps it
 *   (seen whole, with context around it), or kept when the second pass lost it (the padded
 *   frame is seen at a smaller scale, so small faces can drop out);
 * - second-pass faces that match no first-pass face are added, if their centre lies inside the
 *   frame (nothing real is in the black margin).
 */
export async function detectInTwoPasses<T extends Candidate & { readonly landmarks?: readonly Point[] }>(
  frame: Frame,
  pass: DetectorPass<T>,
  settings: TwoPassSettings,
): Promise<T[]> {
  const start = settings.firstRegion;
  const first = start ? (await pass(frame, start)).map((c) => shiftCandidate(c, start.x, start.y)) : await pass(frame, undefined);
  const border = first.filter((f) => touchesBorder(f.box, frame));
  if (!settings.enabled || (first.length > 0 && border.length === 0)) return limit(first, settings.maxFaces);

  const region = retryRegion(frame, settings.inputSize);
  const second = (await pass(frame, region))
    .map((c) => shiftCandidate(c, region.x, region.y))
    .filter(({ box }) => {
      const cx = (box.x1 + box.x2) / 2;
      const cy = (box.y1 + box.y2) / 2;
      return cx >= 0 && cy >= 0 && cx < frame.width && cy < frame.height;
    });
  const same = (a: Candidate, b: Candidate): boolean => sameFace(a.box, b.box, settings.nmsIou);
  const inside = first.filter((f) => !border.includes(f));
  const merged: T[] = [...inside];
  for (const face of border) {
    const better = second.filter((s) => same(s, face)).sort((a, b) => b.score - a.score)[0];
    merged.push(better ?? face);
  }
  for (const face of second) {
    if (!merged.some((m) => m === face || same(m, face))) merged.push(face);
  }
  return limit(merged.sort((a, b) => b.score - a.score), settings.maxFaces);
}

/**
 * Two passes see one face as the same when their boxes overlap like NMS duplicates, or when one
 * box lies mostly inside the other: a first pass on a frame-filling face can box only part of it
 * (UltraFace boxed the left half of one such crop), and the padded pass then boxes all of it.
 */
export function sameFace(a: Box, b: Box, nmsIou: number): boolean {
  if (intersectionOverUnion(a, b) > nmsIou) return true;
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return false;
  const smaller = Math.min((a.x2 - a.x1) * (a.y2 - a.y1), (b.x2 - b.x1) * (b.y2 - b.y1));
  return (w * h) / smaller > CONTAINED;
}

/** Share of the smaller box inside the larger beyond which two boxes are one face. */
const CONTAINED = 0.5;

function limit<T>(faces: T[], maxFaces: number): T[] {
  return maxFaces > 0 ? faces.slice(0, maxFaces) : faces;
}
