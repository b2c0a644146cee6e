/** Image bytes -> BGR Frame through OpenCV's codecs (imdecode), with depth, alpha and orientation handled. */
import { createFrame, type Frame } from '../frame.ts';
import type { Orientation } from '../exif.ts';
import type { AlphaPolicy } from '../decode-options.ts';
import { cv, type Mat } from './loader.ts';
import { bytesOf, frameOf, withMats, type TrackMat } from './mats.ts';

/**
 * Decodes JPEG/PNG/WebP/BMP/PNM bytes to BGR. The caller (image/decode.ts) has already checked
 * format, size and completeness. Decoding is IMREAD_UNCHANGED so that 16-bit samples are
 * scaled (x * 255/65535, rounded) instead of truncated, and alpha is handled by `alpha`;
 * `orientation` is then applied with flips/transposes.
 *
 * `sampleMax` is the largest value a 16-bit sample can take (65535, or a PNM maxval).
 * Returns undefined when OpenCV cannot decode the bytes (caller reports IMAGE_CORRUPT).
 */
export function decodeWithOpenCV(
  bytes: Uint8Array,
  options: { alpha: AlphaPolicy; orientation: Orientation; sampleMax?: number; reduce?: ReduceFactor },
): Frame | undefined {
  const c = cv();
  return withMats((track) => {
    let mat = track(c.imdecode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), decodeFlags(options.reduce ?? 1)));
    if (mat.empty || mat.rows === 0 || mat.cols === 0) return undefined;
    if (mat.depth === c.CV_16U) mat = track(mat.convertTo(c.CV_8U, 255 / (options.sampleMax ?? 65535)));
    else if (mat.depth === c.CV_32F) mat = track(mat.convertTo(c.CV_8U, 255));
    else if (mat.depth !== c.CV_8U) return undefined;

    let composite: AlphaPolicy = 'drop';
    if (mat.channels === 1) mat = track(mat.cvtColor(c.COLOR_GRAY2BGR));
    else if (mat.channels === 4) {
      composite = options.alpha;
      if (composite === 'drop') mat = track(mat.cvtColor(c.COLOR_BGRA2BGR));
    } else if (mat.channels !== 3) return undefined;

    mat = orient(mat, options.orientation, track);
    if (composite === 'drop') return frameOf(mat);
    return compositeBgra(bytesOf(mat), mat.cols, mat.rows, composite === 'white' ? 255 : 0);
  });
}

/** 1 = full size; 2, 4, 8 = libjpeg's DCT scaling (JPEG only: the caller checks). */
export type ReduceFactor = 1 | 2 | 4 | 8;

/**
 * IMREAD_UNCHANGED for full size. Reduced: IMREAD_REDUCED_COLOR_n (8-bit BGR, which is all a
 * JPEG holds) plus IMREAD_IGNORE_ORIENTATION, because every imdecode flag but UNCHANGED applies
 * the EXIF orientation itself and orient() below would then turn the image a second time.
 */
function decodeFlags(reduce: ReduceFactor): number {
  const c = cv();
  if (reduce === 1) return c.IMREAD_UNCHANGED;
  const reduced = reduce === 2 ? c.IMREAD_REDUCED_COLOR_2 : reduce === 4 ? c.IMREAD_REDUCED_COLOR_4 : c.IMREAD_REDUCED_COLOR_8;
  return reduced | c.IMREAD_IGNORE_ORIENTATION;
}

/** EXIF orientation -> the flips that display the image upright (EXIF 2.3, tag 0x0112). */
function orient(mat: Mat, orientation: Orientation, track: TrackMat): Mat {
  switch (orientation) {
    case 1: return mat;
    case 2: return track(mat.flip(1)); // mirrored horizontally
    case 3: return track(mat.flip(-1)); // rotated 180
    case 4: return track(mat.flip(0)); // mirrored vertically
    case 5: return track(mat.transpose()); // mirrored along the main diagonal
    case 6: return track(track(mat.transpose()).flip(1)); // stored rotated 90 CCW: turn 90 CW
    case 7: return track(track(mat.transpose()).flip(-1)); // mirrored along the anti-diagonal
    case 8: return track(track(mat.transpose()).flip(0)); // stored rotated 90 CW: turn 90 CCW
  }
}

function compositeBgra(bgra: Uint8Array, width: number, height: number, background: number): Frame {
  const frame = createFrame(width, height);
  // Uint8Array stores by truncation, so "+ 127" makes the division round to nearest.
  for (let i = 0, o = 0; o < frame.data.length; i += 4, o += 3) {
    const a = bgra[i + 3]!;
    const behind = background * (255 - a);
    frame.data[o] = (bgra[i]! * a + behind + 127) / 255;
    frame.data[o + 1] = (bgra[i + 1]! * a + behind + 127) / 255;
    frame.data[o + 2] = (bgra[i + 2]! * a + behind + 127) / 255;
  }
  return frame;
}
