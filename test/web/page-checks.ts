/** Pixel and row helpers shared by the browser tests (computed the same way in Node and in the page). */

export interface UiEventRow {
  readonly id: string;
  readonly ts: string;
  readonly name: string;
  /** The row has a snapshot <img> (an identity decided as the track ended has no frame to keep). */
  readonly hasSnapshot: boolean;
  /** naturalWidth x naturalHeight of the row's snapshot once loaded; 0 before. */
  readonly snapshotPx: number;
}

/**
 * Pixels whose channels spread by >= 150 (pure-ish green/red/blue): annotation boxes are drawn
 * that way, skin, hair and grey backgrounds are not. `order` is the raw buffer's channel order.
 */
export function saturatedPixels(raw: Uint8Array, order: 'bgr' | 'rgba'): number {
  const step = order === 'bgr' ? 3 : 4;
  let count = 0;
  for (let i = 0; i + 2 < raw.length; i += step) {
    const a = raw[i]!, b = raw[i + 1]!, c = raw[i + 2]!;
    if (Math.max(a, b, c) - Math.min(a, b, c) >= 150) count++;
  }
  return count;
}
