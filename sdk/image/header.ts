/**
 * Container-level checks done in TypeScript before any pixel is decoded: which format the
 * bytes are (by magic number, never by file name), the pixel dimensions (so an oversized
 * image is refused before a decoder allocates it), and whether the file is complete.
 *
 * Completeness matters because libjpeg decodes a truncated JPEG "successfully" with a grey
 * bottom and only a warning on stderr; a half photo would then reach the detector and the
 * gallery. So each format is walked to its end marker: JPEG EOI, PNG IEND, the RIFF size of
 * WebP, the pixel-array size of BMP and binary PNM. GIF is checked by its own decoder.
 */
import { ArcEdgeError } from '../errors.ts';

/** The image formats decodeImage recognises from their first bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'pnm';

/** The decodable formats in words, for error messages and docs. */
export const SUPPORTED_FORMATS = 'JPEG, PNG, WebP, GIF (first frame), BMP, PNM (PBM/PGM/PPM)';

export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** Largest sample value when it is not 2^bits - 1 (PNM maxval, e.g. 1023 for 10-bit data). */
  readonly sampleMax?: number;
}

const ascii = (bytes: Uint8Array, at: number, text: string): boolean =>
  bytes.length >= at + text.length && [...text].every((ch, i) => bytes[at + i] === ch.charCodeAt(0));
const u16be = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8);
const u32be = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const u32le = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const i32le = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'gif';
  if (ascii(bytes, 0, 'BM') && bytes.length >= 18) return 'bmp';
  if (bytes[0] === 0x50 && bytes[1]! >= 0x31 && bytes[1]! <= 0x36 && isPnmSpace(bytes[2])) return 'pnm';
  return undefined;
}

function isPnmSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x23; // '#' starts a comment
}

function corrupt(name: string, format: ImageFormat, why: string): ArcEdgeError {
  return new ArcEdgeError('IMAGE_CORRUPT', `${name}: ${format.toUpperCase()} file is damaged or incomplete: ${why}`, {
    fix: 'the file was probably cut short while copying or downloading; fetch it again',
    details: { format, reason: why },
  });
}

/** Reads the dimensions and checks the file is complete; throws IMAGE_CORRUPT otherwise. */
export function readHeader(bytes: Uint8Array, format: ImageFormat, name = 'image'): ImageHeader {
  const result = headerOf(bytes, format);
  if (typeof result === 'string') throw corrupt(name, format, result);
  if (!(result.width > 0 && result.height > 0)) throw corrupt(name, format, `header says ${result.width}x${result.height} pixels`);
  return { format, ...result };
}

type Dimensions = { width: number; height: number; sampleMax?: number };

function headerOf(b: Uint8Array, format: ImageFormat): Dimensions | string {
  switch (format) {
    case 'jpeg': return jpegHeader(b);
    case 'png': return pngHeader(b);
    case 'webp': return webpHeader(b);
    case 'gif': return b.length < 13 ? 'shorter than the 13-byte GIF header' : { width: u16le(b, 6), height: u16le(b, 8) };
    case 'bmp': return bmpHeader(b);
    case 'pnm': return pnmHeader(b);
  }
}

/**
 * Walks the marker segments up to the first scan, then looks for EOI after it. Inside
 * entropy-coded data every 0xFF is followed by 0x00 (stuffing) or a restart marker, so an
 * 0xFF 0xD9 pair after the first SOS can only be a real end-of-image marker (later scans of a
 * progressive file and an MPF second picture are markers too). Searching backwards from the
 * end finds it in one step for normal files; trailing padding after EOI is accepted.
 */
function jpegHeader(b: Uint8Array): Dimensions | string {
  let dims: Dimensions | undefined;
  let i = 2;
  while (i < b.length) {
    if (b[i] !== 0xff) return `expected a marker at byte ${i}`;
    while (b[i] === 0xff) i++; // fill bytes
    const marker = b[i++];
    if (marker === undefined) break;
    if (marker === 0xd9) return dims ?? 'end of image before any frame header';
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length field
    if (i + 2 > b.length) break;
    const length = u16be(b, i);
    if (length < 2 || i + length > b.length) break;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): height then width after precision.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && !dims) {
      if (length < 7) return 'frame header too short';
      dims = { height: u16be(b, i + 3), width: u16be(b, i + 5) };
    }
    i += length;
    if (marker === 0xda) {
      if (!dims) return 'scan data before any frame header';
      for (let k = b.length - 2; k >= i; k--) {
        k = b.lastIndexOf(0xff, k);
        if (k < i) break;
        if (b[k + 1] === 0xd9) return dims;
      }
      return 'no end-of-image marker: the file is truncated';
    }
  }
  return dims ? 'the file ends inside its headers: truncated' : 'no frame header found';
}

function pngHeader(b: Uint8Array): Dimensions | string {
  if (b.length < 33 || !ascii(b, 12, 'IHDR')) return 'missing IHDR chunk';
  const dims = { width: u32be(b, 16), height: u32be(b, 20) };
  for (let i = 8; i + 8 <= b.length; ) {
    const length = u32be(b, i);
    const end = i + 12 + length;
    if (end > b.length) return `chunk at byte ${i} runs past the end of the file: truncated`;
    if (ascii(b, i + 4, 'IEND')) return dims;
    i = end;
  }
  return 'no IEND chunk: the file is truncated';
}

function webpHeader(b: Uint8Array): Dimensions | string {
  if (b.length < 30) return 'shorter than a WebP header';
  if (u32le(b, 4) + 8 > b.length) return `RIFF size says ${u32le(b, 4) + 8} bytes but the file has ${b.length}: truncated`;
  if (ascii(b, 12, 'VP8X')) return { width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) };
  if (ascii(b, 12, 'VP8L')) {
    if (b[20] !== 0x2f) return 'bad VP8L signature';
    const bits = u32le(b, 21); // 14 bits width-1, 14 bits height-1
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, 'VP8 ')) {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return 'bad VP8 key-frame start code';
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  return 'unknown WebP chunk layout';
}

function bmpHeader(b: Uint8Array): Dimensions | string {
  const dibSize = u32le(b, 14);
  const core = dibSize === 12; // OS/2 BITMAPCOREHEADER: 16-bit dimensions
  if (b.length < 14 + (core ? 12 : 40)) return 'shorter than its DIB header';
  const width = core ? u16le(b, 18) : i32le(b, 18);
  const height = Math.abs(core ? u16le(b, 20) : i32le(b, 22)); // negative height = top-down rows
  const bitsPerPixel = u16le(b, core ? 24 : 28);
  const compression = core ? 0 : u32le(b, 30);
  if (compression === 0 && bitsPerPixel > 0) {
    const stride = Math.ceil((width * bitsPerPixel) / 32) * 4; // rows are padded to 4 bytes
    const needed = u32le(b, 10) + stride * height;
    if (needed > b.length) return `pixel array needs ${needed} bytes but the file has ${b.length}: truncated`;
  }
  return { width, height };
}

/** PNM header: magic, then width, height and (except PBM) maxval as ASCII integers; '#' comments. */
function pnmHeader(b: Uint8Array): Dimensions | string {
  const kind = b[1]! - 0x30; // 1..6
  const count = kind === 1 || kind === 4 ? 2 : 3;
  const values: number[] = [];
  let i = 2;
  while (values.length < count) {
    while (i < b.length && (isPnmSpace(b[i]) && b[i] !== 0x23)) i++;
    if (b[i] === 0x23) { while (i < b.length && b[i] !== 0x0a && b[i] !== 0x0d) i++; continue; }
    let value = 0, digits = 0;
    while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39 && digits < 10) value = value * 10 + b[i++]! - 0x30, digits++;
    if (digits === 0) return 'malformed header numbers';
    values.push(value);
  }
  const [width, height, maxval = 1] = values as [number, number, number?];
  if (kind >= 4) {
    const channels = kind === 6 ? 3 : 1;
    const rowBytes = kind === 4 ? Math.ceil(width / 8) : width * channels * (maxval > 255 ? 2 : 1);
    const needed = i + 1 + rowBytes * height; // one whitespace byte separates header and raster
    if (needed > b.length) return `raster needs ${needed} bytes but the file has ${b.length}: truncated`;
  }
  return kind === 1 || kind === 4 ? { width, height } : { width, height, sampleMax: maxval };
}
