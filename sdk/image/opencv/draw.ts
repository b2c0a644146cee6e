/** Drawing boxes, points and labels on a copy of a Frame (for annotated output images). */
import type { Frame } from '../frame.ts';
import { cv } from './loader.ts';
import { checkFrame, frameOf, withMats } from './mats.ts';

/** What drawAnnotations draws for one face: a box, points and a label, in frame pixels. */
export interface Annotation {
  /** Rectangle corners in frame pixels. */
  readonly box?: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number };
  /** Points drawn as small filled circles (e.g. the 5 landmarks). */
  readonly points?: readonly { readonly x: number; readonly y: number }[];
  /** Text drawn above the box (or at the first point). */
  readonly label?: string;
  /** [B, G, R], default green. */
  readonly color?: readonly [number, number, number];
}

/** Returns a copy of `frame` with the annotations drawn (anti-aliased lines, Hershey font). */
export function drawAnnotations(frame: Frame, annotations: readonly Annotation[]): Frame {
  checkFrame(frame);
  const c = cv();
  return withMats((track) => {
    const mat = track(new c.Mat(frame.height, frame.width, c.CV_8UC3, Buffer.from(frame.data))); // a private copy to draw on
    const thickness = Math.max(1, Math.round(Math.min(frame.width, frame.height) / 300));
    for (const annotation of annotations) {
      const [b, g, r] = annotation.color ?? [0, 255, 0];
      const color = new c.Vec3(b, g, r);
      const { box, points = [], label } = annotation;
      if (box) mat.drawRectangle(new c.Point2(Math.round(box.x1), Math.round(box.y1)), new c.Point2(Math.round(box.x2), Math.round(box.y2)), color, thickness, c.LINE_AA);
      for (const p of points) mat.drawCircle(new c.Point2(Math.round(p.x), Math.round(p.y)), thickness + 1, color, -1, c.LINE_AA);
      const anchor = box ? { x: box.x1, y: box.y1 - 4 * thickness } : points[0];
      if (label && anchor) {
        const origin = new c.Point2(Math.round(anchor.x), Math.max(12 * thickness, Math.round(anchor.y)));
        mat.putText(label, origin, c.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, color, thickness, c.LINE_AA);
      }
    }
    return frameOf(mat);
  });
}
