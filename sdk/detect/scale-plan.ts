/**
 * Per-frame detector input planning: the smallest input that keeps the frame's expected faces in
 * the detector's trained scale range. SCRFD's smallest anchors are 16 px at stride 8 and its
 * training crops hold faces down to ~10 px, so a face is found reliably from ~16 input pixels on;
 * most photos hold faces far larger than that at the full 640 letterbox, and det_500m at 320 took
 * 0.06-0.19x the time per photo with the same 74/74 subjects found (docs/performance.md).
 *
 * What the plan knows, in order of trust:
 * 1. `minFaceSizePx` from the caller: faces below it are dropped anyway, so the input only has to
 *    keep that size >= MIN_INPUT_FACE_PX. No fallback is needed.
 * 2. Faces tracked in the previous video frame (`expectedFaces`): the smallest of them, with a
 *    margin for moving away, sets the scale so that it is found again above the trust size of 3.
 * 3. Nothing (a photo): a small pass first; its result stands only when it found faces and all of
 *    them are comfortably large (>= CONFIDENT_INPUT_FACE_PX there), since a frame whose faces are
 *    all large rarely hides one under a third of their size. Otherwise (nothing found, or a small
 *    face found, so there may be smaller ones) the full-size pass runs and its result is returned.
 * Pure arithmetic: no pixels, no model.
 */
import type { Size } from './input-plan.ts';
import type { Box } from './types.ts';

/** Smallest face side (input pixels) the planner counts on the detector finding. */
export const MIN_INPUT_FACE_PX = 20;

/** A small pass is trusted when every face it found is at least this large in its input. */
export const CONFIDENT_INPUT_FACE_PX = 48;

/** The small pass's longer input side: the lever measured in docs/performance.md. */
export const SMALL_INPUT_SIDE_PX = 320;

/**
 * Tracked faces can move away or turn between frames: the first pass is sized so that a tracked
 * face this fraction of its last size is still >= CONFIDENT_INPUT_FACE_PX, i.e. still trusted.
 * Sizing it for MIN_INPUT_FACE_PX instead (as first written) put a re-found tracked face under the
 * trust size whenever the input was above the small side: every such frame ran the small pass and
 * then the full one, 1.2-1.5x the single full pass it was meant to save (scale-plan.test.ts).
 */
export const TRACKED_FACE_MARGIN = 0.8;

export interface ScaleHints {
  /** Caller's minimum face (frame pixels, shorter box side); 0 or undefined: unknown. */
  readonly minFaceSizePx?: number | undefined;
  /** Faces tracked in the previous frame (frame pixels). */
  readonly expectedFaces?: readonly Box[] | undefined;
}

export interface ScalePlan {
  /** Longest input side for the first pass (a multiple of 32, at most the full size). */
  readonly firstSidePx: number;
  /** Whether the first pass's result may be replaced by a full-size pass (see trustFirstPass). */
  readonly fallback: boolean;
}

const roundUp32 = (v: number): number => Math.max(32, Math.ceil(v / 32) * 32);
const shortSide = (b: Box): number => Math.min(b.x2 - b.x1, b.y2 - b.y1);

/**
 * The first pass's input side for a frame, given the full letterbox size `full` and the hints.
 * A side equal to the full one means "plan nothing": one pass as before.
 */
export function planDetectorScale(frame: Size, full: Size, hints: ScaleHints = {}): ScalePlan {
  const fullSide = Math.max(full.width, full.height);
  const frameLong = Math.max(frame.width, frame.height);
  // The input the frame would get at full size (letterbox fit; never more than the frame itself
  // times the upscale cap, which the detector applies on its own).
  const fullFit = Math.min(fullSide, frameLong * 3);
  const sideFor = (faceFramePx: number, inputFacePx = MIN_INPUT_FACE_PX): number => {
    // input side such that a face of faceFramePx lands at inputFacePx: side/frameLong = inputFacePx/face.
    const side = (frameLong * inputFacePx) / faceFramePx;
    return Math.min(fullSide, roundUp32(Math.max(side, SMALL_INPUT_SIDE_PX)));
  };
  const minFace = hints.minFaceSizePx ?? 0;
  if (minFace > 0) return { firstSidePx: sideFor(minFace), fallback: false };
  const tracked = hints.expectedFaces?.filter((b) => shortSide(b) > 0) ?? [];
  if (tracked.length > 0) {
    const smallest = Math.min(...tracked.map(shortSide));
    // Faces down to MIN/CONFIDENT (~0.4x) of the smallest tracked one are still found in this pass,
    // and being under the trust size they bring on the full-size pass: a newcomer smaller than the
    // tracked faces is not lost to the plan. The fallback stays on for that.
    return { firstSidePx: sideFor(smallest * TRACKED_FACE_MARGIN, CONFIDENT_INPUT_FACE_PX), fallback: true };
  }
  // A frame that gets little more than the small input anyway: one pass, as before.
  if (fullFit <= SMALL_INPUT_SIDE_PX * 1.25) return { firstSidePx: fullSide, fallback: false };
  return { firstSidePx: Math.min(fullSide, SMALL_INPUT_SIDE_PX), fallback: true };
}

/**
 * Whether a first pass at input scale `inputPerFramePx` (input pixels per frame pixel) can stand:
 * it found faces, and every one of them is at least CONFIDENT_INPUT_FACE_PX in that input.
 */
export function trustFirstPass(faces: readonly { readonly box: Box }[], inputPerFramePx: number): boolean {
  return faces.length > 0 && faces.every((f) => shortSide(f.box) * inputPerFramePx >= CONFIDENT_INPUT_FACE_PX);
}
