/**
 * EXIF orientation (tag 0x0112) from the raw file bytes. OpenCV's IMREAD_COLOR applies it but
 * also strips alpha and truncates 16-bit samples; IMREAD_UNCHANGED keeps depth and alpha but
 * ignores the tag. We decode UNCHANGED and rotate ourselves with this value.
 *
 * Where the TIFF block lives: JPEG APP1 segment after "Exif\0\0"; PNG `eXIf` chunk (PNG 1.5
 * extension); WebP `EXIF` chunk. Some writers prefix the latter two with "Exif\0\0" as well.
 */
import type { ImageFormat } from './header.ts';

/** 1..8 as defined by EXIF 2.3 (1 = as stored); 1 when absent or unreadable. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export function readOrientation(bytes: Uint8Array, format: ImageFormat): Orientation {
  const tiff = format === 'jpeg' ? jpegExif(bytes) : format === 'png' ? pngExif(bytes) : format === 'webp' ? webpExif(bytes) : undefined;
  if (!tiff) return 1;
  const value = tiffOrientation(bytes, tiff.start, tiff.end);
  return value >= 1 && value <= 8 ? (value as Orientation) : 1;
}

interface Span { start: number; end: number }

const isExifPrefix = (b: Uint8Array, i: number): boolean =>
  b[i] === 0x45 && b[i + 1] === 0x78 && b[i + 2] === 0x69 && b[i + 3] === 0x66 && b[i + 4] === 0 && b[i + 5] === 0;

function skipExifPrefix(b: Uint8Array, span: Span): Span {
  return isExifPrefix(b, span.start) ? { start: span.start + 6, end: span.end } : span;
}

function jpegExif(b: Uint8Array): Span | undefined {
  for (let i = 2; i + 4 <= b.length && b[i] === 0xff; ) {
    const marker = b[i + 1]!;
    if (marker === 0xda || marker === 0xd9) return undefined; // EXIF must precede the scan
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    if (marker === 0xe1 && isExifPrefix(b, i + 4)) return { start: i + 10, end: Math.min(b.length, i + 2 + length) };
    i += 2 + length;
  }
  return undefined;
}

function pngExif(b: Uint8Array): Span | undefined {
  for (let i = 8; i + 12 <= b.length; ) {
    const length = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    const type = String.fromCharCode(b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
    if (type === 'eXIf') return skipExifPrefix(b, { start: i + 8, end: Math.min(b.length, i + 8 + length) });
    if (type === 'IDAT' || type === 'IEND') return undefined; // eXIf must precede IDAT
    i += 12 + length;
  }
  return undefined;
}

function webpExif(b: Uint8Array): Span | undefined {
  for (let i = 12; i + 8 <= b.length; ) {
    const length = (b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24)) >>> 0;
    if (String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!) === 'EXIF') {
      return skipExifPrefix(b, { start: i + 8, end: Math.min(b.length, i + 8 + length) });
    }
    i += 8 + length + (length & 1); // RIFF chunks are padded to even sizes
  }
  return undefined;
}

/** Looks up tag 0x0112 in IFD0 of the TIFF structure at [start, end); 0 when not found. */
function tiffOrientation(b: Uint8Array, start: number, end: number): number {
  if (end - start < 8) return 0;
  const little = b[start] === 0x49 && b[start + 1] === 0x49; // "II" Intel, else "MM" Motorola
  if (!little && !(b[start] === 0x4d && b[start + 1] === 0x4d)) return 0;
  const u16 = (at: number): number => (little ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!);
  const u32 = (at: number): number =>
    (little ? b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24) : (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return 0;
  const entries = u16(ifd);
  for (let k = 0; k < entries; k++) {
    const entry = ifd + 2 + k * 12;
    if (entry + 12 > end) return 0;
    if (u16(entry) === 0x0112 && u16(entry + 2) === 3) return u16(entry + 8); // type 3 = SHORT, value inline
  }
  return 0;
}
