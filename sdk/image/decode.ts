/**
 * decodeImage / readImage: bytes or a path in, an upright 8-bit BGR Frame out, or an
 * ArcEdgeError with a code a caller can act on:
 *   IMAGE_NOT_FOUND   the path does not exist / cannot be read
 *   IMAGE_EMPTY       0 bytes
 *   IMAGE_UNSUPPORTED unknown magic number (text, PDF, HEIC, TIFF...): the message lists what works
 *   IMAGE_TOO_LARGE   header says more than maxPixels (refused before any pixel is allocated)
 *   IMAGE_CORRUPT     truncated or damaged (checked in TS: OpenCV half-decodes truncated JPEGs)
 * A 1x1 image decodes fine; whether it is useful is the analyser's call (IMAGE_TOO_SMALL).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from './frame.ts';
import { DECODE_DEFAULTS, type DecodeOptions } from './decode-options.ts';
import { readHeader, sniffFormat, SUPPORTED_FORMATS } from './header.ts';
import { readOrientation } from './exif.ts';
import { decodeGif } from './gif.ts';
import { decodeWithOpenCV, type ReduceFactor } from './opencv/index.ts';

/** A decoded image and how it relates to the stored one (reduceToLongSidePx). */
export interface ScaledImage {
  readonly frame: Frame;
  /** Stored (upright) pixels per frame pixel: 1 at full size, ~2/4/8 when reduced. */
  readonly scaleX: number;
  readonly scaleY: number;
}

/** `name` only labels error messages (a file name, a URL, "camera 3 snapshot"). */
export function decodeImage(bytes: Uint8Array, name = 'image', options: DecodeOptions = {}): Frame {
  return decodeImageScaled(bytes, name, options).frame;
}

/** The largest DCT reduction that keeps the longer side at least `minLongSide` (1 = none). */
function reduceFactor(width: number, height: number, minLongSide: number): ReduceFactor {
  if (!(minLongSide > 0)) return 1;
  const long = Math.max(width, height);
  for (const f of [8, 4, 2] as const) if (Math.ceil(long / f) >= minLongSide) return f;
  return 1;
}

/** decodeImage, plus the scale back to the stored image when it was decoded reduced. */
export function decodeImageScaled(bytes: Uint8Array, name = 'image', options: DecodeOptions = {}): ScaledImage {
  const { maxPixels, alpha, applyExifOrientation, reduceToLongSidePx } = { ...DECODE_DEFAULTS, ...options };
  if (bytes.length === 0) {
    throw new ArcEdgeError('IMAGE_EMPTY', `${name} is empty (0 bytes)`, { fix: 'check the upload or copy that produced it' });
  }
  const format = sniffFormat(bytes);
  if (!format) {
    throw new ArcEdgeError('IMAGE_UNSUPPORTED', `${name} is not an image format arcedge can read (starts with ${describeMagic(bytes)}); supported: ${SUPPORTED_FORMATS}`, {
      fix: 'convert it to JPEG or PNG first',
      details: { supported: SUPPORTED_FORMATS },
    });
  }
  const header = readHeader(bytes, format, name);
  if (header.width * header.height > maxPixels) {
    throw new ArcEdgeError('IMAGE_TOO_LARGE', `${name} is ${header.width}x${header.height} (${((header.width * header.height) / 1e6).toFixed(1)} megapixels), over the ${(maxPixels / 1e6).toFixed(1)} megapixel limit`, {
      fix: 'downscale it first, or raise the maxPixels option if the memory is there',
      details: { width: header.width, height: header.height, maxPixels },
    });
  }
  if (format === 'gif') return { frame: decodeGif(bytes, { name, alpha, maxPixels }), scaleX: 1, scaleY: 1 };

  const orientation = applyExifOrientation ? readOrientation(bytes, format) : 1;
  // Only JPEG has a decoder that scales for free; anything else is decoded whole.
  const reduce = format === 'jpeg' ? reduceFactor(header.width, header.height, reduceToLongSidePx) : 1;
  const frame = decodeWithOpenCV(bytes, { alpha, orientation, ...(header.sampleMax ? { sampleMax: header.sampleMax } : {}), ...(reduce > 1 ? { reduce } : {}) });
  if (!frame) {
    throw new ArcEdgeError('IMAGE_CORRUPT', `${name}: OpenCV could not decode this ${format.toUpperCase()} file (header ${header.width}x${header.height})`, {
      fix: 'the file is damaged or uses an unsupported variant; re-export it as baseline JPEG or PNG',
      details: { format },
    });
  }
  if (reduce === 1) return { frame, scaleX: 1, scaleY: 1 };
  // Orientations 5-8 swap the axes: the upright width is the stored height.
  const swapped = orientation >= 5;
  const uprightWidth = swapped ? header.height : header.width;
  const uprightHeight = swapped ? header.width : header.height;
  return { frame, scaleX: uprightWidth / frame.width, scaleY: uprightHeight / frame.height };
}

/** Reads and decodes an image file into a BGR Frame (decodeImage for bytes already in memory). */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<Frame> {
  return (await readImageScaled(path, options)).frame;
}

/** readImage, plus the scale back to the stored image (decodeImageScaled). */
export async function readImageScaled(path: string, options: DecodeOptions = {}): Promise<ScaledImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? String(cause)})`;
    throw new ArcEdgeError('IMAGE_NOT_FOUND', `image ${path} ${why}`, { cause, fix: 'check the path (relative paths resolve against the current directory)', details: { path } });
  }
  return decodeImageScaled(bytes, basename(path), options);
}

function describeMagic(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 8);
  const printable = [...head].every((b) => b >= 0x20 && b < 0x7f);
  return printable ? JSON.stringify(String.fromCharCode(...head)) : [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
