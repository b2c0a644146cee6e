/**
 * analyze()'s input edge: bytes, paths and frames become one validated BGR Frame.
 *
 * Size policy:
 * - Encoded bytes / files: the image module reads the dimensions from the header and refuses
 *   anything above `maxImagePixels` with IMAGE_TOO_LARGE before a decoder allocates it
 *   (a 12000x12000 PNG would need 432 MB decoded; decompression bombs are the same attack).
 * - A Frame above `maxImagePixels` is analysed, not refused: its memory is already spent, and the
 *   detector letterboxes to 640 px anyway. It is downscaled once to fit the limit, analysed, and
 *   boxes/landmarks are scaled back to the caller's pixels.
 * - Anything shorter than MIN_IMAGE_SIDE_PX on a side is IMAGE_TOO_SMALL: no detector finds a
 *   face there, and a 1x1 "image" is almost always a tracking pixel or a broken upload.
 */
import { decodeImageScaled, readImageScaled, resizeFrame } from '../image/index.ts';
import type { Frame } from '../image/frame.ts';
import { ArcEdgeError } from '../errors.ts';
import type { AnalyzeInput } from './types.ts';

export const MIN_IMAGE_SIDE_PX = 16;

/** An input decoded and, when large, downscaled for the pipeline, with the scale back to input pixels. */
export interface PreparedFrame {
  /** The frame the pipeline runs on. */
  readonly frame: Frame;
  /** Multiply pipeline x / y by these to get input coordinates (1 unless downscaled). */
  readonly scaleX: number;
  readonly scaleY: number;
  /** true when a JPEG was decoded at a reduced scale (decodeReduced); loadFrame(input, { reduce: false }) gives it whole. */
  readonly reduced: boolean;
}

function isFrame(input: unknown): input is Frame {
  return typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && 'data' in input && 'width' in input && 'height' in input;
}

function checkFrame(frame: Frame): void {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || !(data instanceof Uint8Array)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `frame must have integer width/height and Uint8Array data; got ${width}x${height}`, {
      fix: 'pass a Frame from decodeImage/readImage or createFrame(width, height, data)',
    });
  }
  if (data.length !== width * height * 3) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `frame data has ${data.length} bytes; ${width}x${height} BGR needs ${width * height * 3}`, {
      fix: 'frames are 8-bit BGR, 3 bytes per pixel, no row padding; convert RGBA/grey input first',
    });
  }
}

function checkMinimum(width: number, height: number): void {
  if (Math.min(width, height) < MIN_IMAGE_SIDE_PX) {
    throw new ArcEdgeError('IMAGE_TOO_SMALL', `image is ${width}x${height}; faces need at least ${MIN_IMAGE_SIDE_PX} px on each side`, {
      fix: 'pass the original photo or camera frame, not a thumbnail',
      details: { width, height, minSidePx: MIN_IMAGE_SIDE_PX },
    });
  }
}

/**
 * `reduceToLongSidePx` > 0: a JPEG may be decoded at 1/2, 1/4 or 1/8 while its longer side stays at
 * least that (sdk/image decodeImageScaled); scaleX/scaleY then map back to the stored pixels.
 */
export async function prepareInput(input: AnalyzeInput, maxImagePixels: number, reduceToLongSidePx = 0): Promise<PreparedFrame> {
  let frame: Frame;
  const decode = { maxPixels: maxImagePixels, reduceToLongSidePx };
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const scaled = typeof input === 'string' ? await readImageScaled(input, decode) : decodeImageScaled(input, 'image bytes', decode);
    if (scaled.scaleX !== 1 || scaled.scaleY !== 1) return { frame: scaled.frame, scaleX: scaled.scaleX, scaleY: scaled.scaleY, reduced: true };
    frame = scaled.frame;
  } else if (isFrame(input)) {
    checkFrame(input);
    frame = input;
  } else {
    throw new ArcEdgeError('INVALID_ARGUMENT', `analyze() takes a Frame, encoded image bytes or a file path; got ${describe(input)}`, {
      fix: 'pass fs.readFileSync(path), a path string, or a Frame { data, width, height }',
    });
  }
  checkMinimum(frame.width, frame.height);
  const pixels = frame.width * frame.height;
  if (pixels <= maxImagePixels) return { frame, scaleX: 1, scaleY: 1, reduced: false };
  const scale = Math.sqrt(maxImagePixels / pixels);
  const width = Math.max(1, Math.floor(frame.width * scale));
  const height = Math.max(1, Math.floor(frame.height * scale));
  return { frame: resizeFrame(frame, width, height, 'area'), scaleX: frame.width / width, scaleY: frame.height / height, reduced: false };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object with keys ${Object.keys(value as object).join(', ') || '(none)'}` : typeof value;
}
