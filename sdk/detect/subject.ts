/**
 * Which face is "the" face of a photo, for every path that wants one face per image (eval,
 * enroll, pack, models probe, quantize calibration). One rule, so they agree:
 *
 * - `centre` (default): insightface's one-face selection (SCRFD `detect(max_num=...)`,
 *   metric 'default'): each box scores its area minus twice the squared distance of its centre
 *   from the image centre, highest wins. A portrait's subject is large and central; in a news
 *   photo the largest face is often a bystander closer to the camera at the edge.
 * - `largest`: the largest box (what eval and enroll --largest did before).
 * - `all`: every face; a caller that needs exactly one refuses the image when there are several.
 */
import type { Box, Detection } from './types.ts';

export const SUBJECT_RULES = ['centre', 'largest', 'all'] as const;
export type SubjectRule = (typeof SUBJECT_RULES)[number];
export const DEFAULT_SUBJECT_RULE: SubjectRule = 'centre';

const area = (b: Box): number => (b.x2 - b.x1) * (b.y2 - b.y1);

/** insightface's score: box area - 2 * squared offset of the box centre from the image centre (px²). */
export function subjectScore(box: Box, frame: { readonly width: number; readonly height: number }): number {
  const dx = (box.x1 + box.x2) / 2 - frame.width / 2;
  const dy = (box.y1 + box.y2) / 2 - frame.height / 2;
  return area(box) - 2 * (dx * dx + dy * dy);
}

/**
 * The faces a rule keeps: one face for `centre` and `largest` (none when there are none), every
 * face for `all`. Ties keep the detector's order (highest score first).
 */
export function selectSubject<T extends Pick<Detection, 'box'>>(faces: readonly T[], frame: { readonly width: number; readonly height: number }, rule: SubjectRule = DEFAULT_SUBJECT_RULE): T[] {
  if (rule === 'all' || faces.length <= 1) return [...faces];
  const score = rule === 'largest' ? (f: T) => area(f.box) : (f: T) => subjectScore(f.box, frame);
  let best = faces[0]!;
  for (const f of faces) if (score(f) > score(best)) best = f;
  return [best];
}
