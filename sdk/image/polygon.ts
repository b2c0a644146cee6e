/**
 * Polygon masks on a Frame, in plain TypeScript (no OpenCV): an area of a camera's view that
 * must never yield a face (a painting, a poster, a TV) is filled before detection. Vertices are
 * fractions of the width and height (0..1), so a mask drawn on one stream size fits any other.
 */
import type { Frame } from './frame.ts';

/** Vertices as [x, y] fractions of the frame's width and height; at least three. */
export type MaskPolygon = readonly (readonly [number, number])[];

/**
 * Mean grey of the frame (every 7th pixel is enough for a fill value): a mask filled with the
 * frame's own mean brightness adds no hard edge the detector could mistake for structure.
 */
export function meanGrey(frame: Frame): number {
  const { data } = frame;
  let sum = 0;
  let n = 0;
  for (let i = 0; i + 2 < data.length; i += 21) {
    sum += data[i]! + data[i + 1]! + data[i + 2]!;
    n += 3;
  }
  return n > 0 ? Math.round(sum / n) : 128;
}

/**
 * A copy of `frame` with every pixel whose centre lies inside any polygon (even-odd rule) set
 * to `grey` on all three channels (default: the frame's mean grey). The input is not changed:
 * the caller keeps the original for crops and snapshots.
 */
export function fillPolygons(frame: Frame, polygons: readonly MaskPolygon[], grey = meanGrey(frame)): Frame {
  const data = new Uint8Array(frame.data);
  const { width, height } = frame;
  const value = Math.max(0, Math.min(255, Math.round(grey)));
  for (const polygon of polygons) {
    if (polygon.length < 3) continue;
    const pts = polygon.map(([x, y]) => [x * width, y * height] as const);
    const top = Math.max(0, Math.floor(Math.min(...pts.map((p) => p[1]))));
    const bottom = Math.min(height - 1, Math.ceil(Math.max(...pts.map((p) => p[1]))));
    const xs: number[] = [];
    for (let row = top; row <= bottom; row++) {
      const cy = row + 0.5; // pixel centres
      xs.length = 0;
      for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
        const [xi, yi] = pts[i]!;
        const [xj, yj] = pts[j]!;
        if (yi > cy !== yj > cy) xs.push(xi + ((cy - yi) * (xj - xi)) / (yj - yi));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
        const to = Math.min(width - 1, Math.floor(xs[k + 1]! - 0.5));
        if (to >= from) data.fill(value, (row * width + from) * 3, (row * width + to + 1) * 3);
      }
    }
  }
  return { data, width: frame.width, height: frame.height };
}

/** True when the point (fractions of width and height) lies inside the polygon (even-odd rule). */
export function insidePolygon(x: number, y: number, polygon: MaskPolygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < xi + ((y - yi) * (xj - xi)) / (yj - yi)) inside = !inside;
  }
  return inside;
}
