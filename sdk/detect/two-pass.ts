/**
 * Faces that fill the frame. Detectors trained on WIDER FACE-style crops rarely saw a face running
 * off every edge: on 92x112 face crops det_500m found no face at all, and when a model does find
 * one its box and points come from a scale and framing it was not trained on. So when the first
 * pass finds nothing, or finds a face that touches the border and spans half the frame, the frame
 * is detected once more with a black margin around it (read through the preprocessing's region,
 * no copy of the frame), and the two passes are merged. Any other first pass is returned as it
 * is: those frames cost nothing extra and give exactly what one pass gives.
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

/**
 * A face touching the border fills the frame when its box spans at least this fraction of the
 * frame's width or height. Only then can padding help: a face cut by the edge of a wider scene
 * (obama_partial_face.jpg, the man at bbt2.jpg's left edge) gains no pixels from a black margin,
 * and its first-pass detection stays as it is.
 */
export const FILL_FRACTION = 0.5;

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

/** A face touching the border and spanning at least FILL_FRACTION of the frame's width or height. */
export function fillsFrame(box: Box, frame: Size): boolean {
  const big = box.x2 - box.x1 >= FILL_FRACTION * frame.width || box.y2 - box.y1 >= FILL_FRACTION * frame.height;
  return big && touchesBorder(box, frame);
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
 * First pass; if it is not clean (no face, or a face that fills the frame), a second pass on the
 * padded frame, merged:
 * - a frame-filling face is replaced by the second-pass face that is the same face (seen whole,
 *   with context around it), or kept when the second pass lost it;
 * - other first-pass faces are kept as they are, unless they are part of a much larger
 *   second-pass face (an eye or half a face boxed on its own at a scale the model never saw);
 * - second-pass faces that match no kept face are added, if their centre lies inside the frame
 *   (nothing real is in the black margin).
 */
export async function detectInTwoPasses<T extends Candidate & { readonly landmarks?: readonly Point[] }>(
  frame: Frame,
  pass: DetectorPass<T>,
  settings: TwoPassSettings,
): Promise<T[]> {
  const start = settings.firstRegion;
  const first = start ? (await pass(frame, start)).map((c) => shiftCandidate(c, start.x, start.y)) : await pass(frame, undefined);
  const filling = first.filter((f) => fillsFrame(f.box, frame));
  if (!settings.enabled || (first.length > 0 && filling.length === 0)) return limit(first, settings.maxFaces);

  const region = retryRegion(frame, settings.inputSize);
  const second = (await pass(frame, region))
    .map((c) => shiftCandidate(c, region.x, region.y))
    .filter(({ box }) => {
      const cx = (box.x1 + box.x2) / 2;
      const cy = (box.y1 + box.y2) / 2;
      return cx >= 0 && cy >= 0 && cx < frame.width && cy < frame.height;
    });
  const same = (a: Candidate, b: Candidate): boolean => sameFace(a.box, b.box, settings.nmsIou);
  const merged: T[] = first.filter((f) => !filling.includes(f) && !second.some((s) => partOf(f.box, s.box)));
  for (const face of filling) {
    const whole = second.filter((s) => same(s, face)).sort((a, b) => b.score - a.score)[0];
    merged.push(whole ?? face);
  }
  for (const face of second) {
    if (!merged.some((m) => m === face || same(m, face))) merged.push(face);
  }
  return limit(merged.sort((a, b) => b.score - a.score), settings.maxFaces);
}

const area = (b: Box): number => Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);

function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Two passes see one face as the same when their boxes overlap like NMS duplicates, or when one
 * box lies mostly inside the other: a first pass on a frame-filling face can box only part of it,
 * and the padded pass then boxes all of it.
 */
export function sameFace(a: Box, b: Box, nmsIou: number): boolean {
  return intersectionOverUnion(a, b) > nmsIou || intersection(a, b) > CONTAINED * Math.min(area(a), area(b));
}

/** `part` lies mostly inside `whole`, which is at least PART_OF_AREA times larger. */
export function partOf(part: Box, whole: Box): boolean {
  return area(whole) >= PART_OF_AREA * area(part) && intersection(part, whole) > CONTAINED * area(part);
}

/** Share of the smaller box inside the larger beyond which two boxes are one face. */
const CONTAINED = 0.5;
/** How much larger a face must be for a box mostly inside it to count as a part of it. */
const PART_OF_AREA = 2;

function limit<T>(faces: T[], maxFaces: number): T[] {
  return maxFaces > 0 ? faces.slice(0, maxFaces) : faces;
}
