/** Frame (or a region) -> normalised float32 CHW planes: the input tensor most vision models take. */
import { ArcEdgeError } from '../../errors.ts';
import type { Frame } from '../frame.ts';
import type { PixelRect } from '../crop.ts';
import { cv, type Mat } from './loader.ts';
import { borrowMat, checkFrame, checkSize, withMats } from './mats.ts';

export interface PlanarTensorLayout {
  /**
   * Part of the frame to read; default the whole frame. It may extend past the frame: the outside
   * reads as black, exactly as cropFrame's copy would (without making that copy).
   */
  readonly region?: PixelRect;
  /** The region is resized (bilinear) to this size and written at the top-left of every plane. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Plane size (>= the resized size); the rest of each plane is pixel value 0, normalised. */
  readonly planeWidth: number;
  readonly planeHeight: number;
  /** Plane order: 'rgb' / 'bgr' give 3 planes, 'grey' one plane of BT.601 luma (OpenCV BGR2GRAY). */
  readonly colorOrder: 'rgb' | 'bgr' | 'grey';
  /** Per plane, in plane order (a single value applies to all): plane value = (pixel - mean) / std. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * Frame (or a region of it) -> normalised float32 planes (CHW), the input most vision models
 * take, written into `out` at element `offset` (a new array when `out` is not given).
 *
 * Native because the per-value loop in JavaScript cost ~2 ms per 640x640 detector input here
 * against ~1 ms for this (measured on the dev VM). The frame is borrowed, not copied; each plane
 * is one convertTo (scale and shift in one pass) copied straight into `out`'s memory through a
 * Mat that wraps it, and padding is one setTo per strip. Pass a reused `out` where you can: the
 * first write to fresh memory costs more than all of this (see detect/preprocess.ts).
 * cv.dnn.blobFromImage is no shortcut: it takes one scalar std, and the 4-D Mat it returns
 * cannot be read by getData (which sizes its copy as rows * cols, both -1 for 4-D).
 */
export function frameToPlanarTensor(frame: Frame, layout: PlanarTensorLayout, out?: Float32Array, offset = 0): Float32Array {
  checkFrame(frame);
  const { resizedWidth: rw, resizedHeight: rh, planeWidth: pw, planeHeight: ph, colorOrder } = layout;
  checkSize(rw, rh);
  checkSize(pw, ph);
  if (rw > pw || rh > ph) throw new ArcEdgeError('INVALID_ARGUMENT', `resized size ${rw}x${rh} does not fit in planes of ${pw}x${ph}`);
  const region = layout.region ?? { x: 0, y: 0, width: frame.width, height: frame.height };
  const { x, y, width, height } = region;
  if (![x, y, width, height].every(Number.isInteger) || width <= 0 || height <= 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `region ${JSON.stringify(region)} must be integers with positive width and height`, {
      fix: 'round the box first, e.g. Math.floor for x/y and Math.ceil for the size',
    });
  }
  const channels = colorOrder === 'grey' ? 1 : 3;
  const planeSize = pw * ph;
  const target = out ?? new Float32Array(channels * planeSize);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + channels * planeSize <= target.length)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `output holds ${target.length} floats; ${channels} planes of ${pw}x${ph} at offset ${offset} do not fit`);
  }
  const norm = Array.from({ length: channels }, (_, k) => {
    const mean = layout.mean[Math.min(k, layout.mean.length - 1)];
    const std = layout.std[Math.min(k, layout.std.length - 1)];
    if (mean === undefined || std === undefined || !Number.isFinite(mean) || !Number.isFinite(std) || std === 0) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `plane ${k} needs a finite mean and a non-zero std; got mean ${mean}, std ${std}`);
    }
    return { scale: 1 / std, shift: -mean / std, pad: Math.fround((0 - mean) / std) };
  });

  const c = cv();
  withMats((track) => {
    let source = track(borrowMat(frame));
    if (x !== 0 || y !== 0 || width !== frame.width || height !== frame.height) {
      // The part inside the frame is a view; what lies outside becomes a black border around it.
      const left = Math.min(Math.max(x, 0), frame.width), right = Math.max(Math.min(x + width, frame.width), left);
      const top = Math.min(Math.max(y, 0), frame.height), bottom = Math.max(Math.min(y + height, frame.height), top);
      if (right > left && bottom > top) {
        source = track(source.getRegion(new c.Rect(left, top, right - left, bottom - top)));
        if (right - left !== width || bottom - top !== height) {
          source = track(source.copyMakeBorder(top - y, y + height - bottom, left - x, x + width - right, c.BORDER_CONSTANT, new c.Vec3(0, 0, 0)));
        }
      } else {
        source = track(new c.Mat(height, width, c.CV_8UC3, [0, 0, 0]));
      }
    }
    if (rw !== width || rh !== height) source = track(source.resize(rh, rw, 0, 0, c.INTER_LINEAR));
    let planes: Mat[];
    if (channels === 1) planes = [track(source.cvtColor(c.COLOR_BGR2GRAY))];
    else {
      planes = source.splitChannels().map(track); // B, G, R
      if (colorOrder === 'rgb') planes.reverse();
    }
    const bytes = Buffer.from(target.buffer, target.byteOffset + offset * 4, channels * planeSize * 4);
    const stacked = track(new c.Mat(channels * ph, pw, c.CV_32F, bytes)); // writes land in `target`
    for (let k = 0; k < channels; k++) {
      const { scale, shift, pad } = norm[k]!;
      const planeTop = k * ph;
      if (rh < ph) track(track(stacked.getRegion(new c.Rect(0, planeTop + rh, pw, ph - rh))).setTo(pad));
      if (rw < pw) track(track(stacked.getRegion(new c.Rect(rw, planeTop, pw - rw, rh))).setTo(pad));
      // Released at once, not at the end: glibc then hands the same block to the next plane
      // instead of growing the heap by three planes and trimming it (page faults) afterwards.
      const converted = planes[k]!.convertTo(c.CV_32F, scale, shift);
      try {
        track(converted.copyTo(track(stacked.getRegion(new c.Rect(0, planeTop, rw, rh)))));
      } finally {
        converted.release();
      }
    }
  });
  return target;
}
