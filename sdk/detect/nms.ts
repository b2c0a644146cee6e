/**
 * Greedy non-maximum suppression and the final face selection every detector shares.
 * IoU uses continuous areas ((x2-x1)*(y2-y1)); insightface's scrfd.py adds +1 pixel to each
 * side (a legacy integer-pixel habit), which only matters for boxes a few pixels wide.
 */
import type { Box, Detection } from './types.ts';

export function intersectionOverUnion(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

export interface SelectOptions {
  /** IoU above which the lower-scored box is dropped. */
  readonly nmsIou: number;
  /** Keep at most this many (highest score first); 0 or undefined = all. */
  readonly maxFaces?: number | undefined;
  /** Drop boxes whose shorter side is below this many frame pixels. */
  readonly minFaceSizePx?: number | undefined;
}

/**
 * Sorts by score (highest first), drops small boxes, suppresses overlaps greedily and stops
 * once `maxFaces` survive. Returns a new array; the input is not modified.
 */
export function selectFaces<T extends { readonly box: Box; readonly score: number }>(candidates: readonly T[], options: SelectOptions): T[] {
  const minSize = options.minFaceSizePx ?? 0;
  const limit = options.maxFaces && options.maxFaces > 0 ? options.maxFaces : Number.POSITIVE_INFINITY;
  const sorted = candidates
    .filter(({ box }) => Math.min(box.x2 - box.x1, box.y2 - box.y1) >= minSize && box.x2 > box.x1 && box.y2 > box.y1)
    .sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    if (kept.length >= limit) break;
    if (kept.every((k) => intersectionOverUnion(k.box, candidate.box) <= options.nmsIou)) kept.push(candidate);
  }
  return kept;
}

/** Maps a detection from model-input pixels back to frame pixels. */
export function scaleDetection(d: Detection, scaleX: number, scaleY: number): Detection {
  const p = d.landmarks;
  const pt = (i: number) => ({ x: p[i]!.x / scaleX, y: p[i]!.y / scaleY });
  return {
    box: { x1: d.box.x1 / scaleX, y1: d.box.y1 / scaleY, x2: d.box.x2 / scaleX, y2: d.box.y2 / scaleY },
    score: d.score,
    landmarks: [pt(0), pt(1), pt(2), pt(3), pt(4)],
  };
}
