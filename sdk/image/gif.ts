/**
 * GIF decoder (first frame only), because OpenCV 4.6 has no GIF codec. Written from the
 * GIF89a specification (W3C/CompuServe, 1990): logical screen + optional global colour table,
 * extension blocks (only the Graphic Control Extension matters: it carries the transparent
 * index), then the first image descriptor with its optional local table, interlace flag and
 * variable-length LZW data (LSB-first codes, 12-bit maximum, clear/end codes).
 *
 * Output is a BGR frame of the logical screen size. Pixels outside the first image are the
 * background colour (from the global table) or black. Transparent pixels follow `alpha`:
 * 'drop' keeps the palette colour stored for the transparent index (what dropping an alpha
 * channel does for PNG), 'white'/'black' paint them.
 */
import { ArcEdgeError } from '../errors.ts';
import { createFrame, type Frame } from './frame.ts';

import type { AlphaPolicy } from './decode-options.ts';

const MAX_CODES = 4096;

function corrupt(name: string, why: string): ArcEdgeError {
  return new ArcEdgeError('IMAGE_CORRUPT', `${name}: GIF file is damaged or incomplete: ${why}`, {
    fix: 'the file was probably cut short while copying or downloading; fetch it again',
    details: { format: 'gif', reason: why },
  });
}

export function decodeGif(bytes: Uint8Array, options: { name?: string; alpha?: AlphaPolicy; maxPixels?: number } = {}): Frame {
  const name = options.name ?? 'image';
  const need = (at: number, count: number, what: string): void => {
    if (at + count > bytes.length) throw corrupt(name, `ends inside the ${what}`);
  };
  need(0, 13, 'header');
  const width = bytes[6]! | (bytes[7]! << 8);
  const height = bytes[8]! | (bytes[9]! << 8);
  const screenFlags = bytes[10]!;
  let pos = 13;
  let globalTable: Uint8Array | undefined;
  if (screenFlags & 0x80) {
    const size = 3 << ((screenFlags & 7) + 1);
    need(pos, size, 'global colour table');
    globalTable = bytes.subarray(pos, pos + size);
    pos += size;
  }
  let transparentIndex = -1;

  for (;;) {
    need(pos, 1, 'block list');
    const introducer = bytes[pos++];
    if (introducer === 0x3b) throw corrupt(name, 'trailer reached before any image');
    if (introducer === 0x21) {
      need(pos, 1, 'extension');
      const label = bytes[pos++];
      if (label === 0xf9 && bytes[pos] === 4) {
        need(pos, 6, 'graphic control extension');
        transparentIndex = bytes[pos + 1]! & 1 ? bytes[pos + 4]! : -1;
      }
      pos = skipSubBlocks(bytes, pos, () => corrupt(name, 'ends inside an extension'));
      continue;
    }
    if (introducer !== 0x2c) throw corrupt(name, `unknown block 0x${introducer!.toString(16)} at byte ${pos - 1}`);

    need(pos, 9, 'image descriptor');
    const left = bytes[pos]! | (bytes[pos + 1]! << 8);
    const top = bytes[pos + 2]! | (bytes[pos + 3]! << 8);
    const imageWidth = bytes[pos + 4]! | (bytes[pos + 5]! << 8);
    const imageHeight = bytes[pos + 6]! | (bytes[pos + 7]! << 8);
    const imageFlags = bytes[pos + 8]!;
    pos += 9;
    let table = globalTable;
    if (imageFlags & 0x80) {
      const size = 3 << ((imageFlags & 7) + 1);
      need(pos, size, 'local colour table');
      table = bytes.subarray(pos, pos + size);
      pos += size;
    }
    // The screen size was checked against maxPixels; a frame may claim more (nothing forbids it in practice).
    if (imageWidth * imageHeight > (options.maxPixels ?? Infinity)) {
      throw new ArcEdgeError('IMAGE_TOO_LARGE', `${name}: GIF frame is ${imageWidth}x${imageHeight}, over the ${options.maxPixels} pixel limit`, {
        fix: 'downscale it first, or raise the maxPixels option',
      });
    }
    need(pos, 1, 'LZW code size');
    const minCodeSize = bytes[pos++]!;
    if (minCodeSize < 1 || minCodeSize > 11) throw corrupt(name, `LZW minimum code size ${minCodeSize} is outside 1..11`);
    const data = gatherSubBlocks(bytes, pos, () => corrupt(name, 'ends inside the image data'));
    const indices = lzwDecode(data, minCodeSize, imageWidth * imageHeight);
    if (indices.filled < imageWidth * imageHeight) {
      throw corrupt(name, `image data holds ${indices.filled} of ${imageWidth * imageHeight} pixels`);
    }
    const rows = imageFlags & 0x40 ? interlacedRowOrder(imageHeight) : undefined;

    const frame = createFrame(width, height);
    const fill = (index: number, palette: Uint8Array | undefined): [number, number, number] =>
      palette && index * 3 + 2 < palette.length ? [palette[index * 3 + 2]!, palette[index * 3 + 1]!, palette[index * 3]!] : palette ? [0, 0, 0] : [index, index, index];
    if (globalTable) {
      const [b, g, r] = fill(bytes[11]!, globalTable);
      for (let i = 0; i < frame.data.length; i += 3) frame.data[i] = b, frame.data[i + 1] = g, frame.data[i + 2] = r;
    }
    const paint = options.alpha === 'white' ? 255 : options.alpha === 'black' ? 0 : -1;
    for (let y = 0; y < imageHeight; y++) {
      const destY = top + (rows ? rows[y]! : y);
      if (destY >= height) continue;
      for (let x = 0; x < imageWidth; x++) {
        const destX = left + x;
        if (destX >= width) break;
        const index = indices.pixels[y * imageWidth + x]!;
        const o = (destY * width + destX) * 3;
        if (index === transparentIndex && paint >= 0) {
          frame.data[o] = frame.data[o + 1] = frame.data[o + 2] = paint;
        } else {
          const [b, g, r] = fill(index, table);
          frame.data[o] = b, frame.data[o + 1] = g, frame.data[o + 2] = r;
        }
      }
    }
    return frame;
  }
}

function skipSubBlocks(bytes: Uint8Array, pos: number, onEnd: () => Error): number {
  for (;;) {
    if (pos >= bytes.length) throw onEnd();
    const size = bytes[pos]!;
    pos += 1 + size;
    if (size === 0) return pos;
  }
}

function gatherSubBlocks(bytes: Uint8Array, pos: number, onEnd: () => Error): Uint8Array {
  const parts: Uint8Array[] = [];
  for (;;) {
    if (pos >= bytes.length) throw onEnd();
    const size = bytes[pos]!;
    if (size === 0) break;
    if (pos + 1 + size > bytes.length) throw onEnd();
    parts.push(bytes.subarray(pos + 1, pos + 1 + size));
    pos += 1 + size;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

/** Interlaced row k is stored in pass order: rows 0,8,16..; 4,12..; 2,6,10..; 1,3,5.. */
function interlacedRowOrder(height: number): Uint32Array {
  const order = new Uint32Array(height);
  let k = 0;
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) {
    for (let y = start; y < height; y += step) order[k++] = y;
  }
  return order;
}

/**
 * Variable-length LZW as GIF uses it. The table stores each string as (prefix code, last
 * byte, length, first byte), so a string is written backwards straight into the output.
 * Stops at the end code, at `count` pixels, or when the data runs out.
 */
function lzwDecode(data: Uint8Array, minCodeSize: number, count: number): { pixels: Uint8Array; filled: number } {
  const pixels = new Uint8Array(count);
  const prefix = new Uint16Array(MAX_CODES);
  const suffix = new Uint8Array(MAX_CODES);
  const first = new Uint8Array(MAX_CODES);
  const length = new Uint16Array(MAX_CODES);
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  for (let c = 0; c < clear; c++) suffix[c] = first[c] = c, (length[c] = 1);

  let codeSize = minCodeSize + 1;
  let next = clear + 2;
  let previous = -1;
  let filled = 0;
  let bitBuffer = 0, bitCount = 0, byteAt = 0;
  while (filled < count) {
    while (bitCount < codeSize && byteAt < data.length) bitBuffer |= data[byteAt++]! << bitCount, (bitCount += 8);
    if (bitCount < codeSize) break; // data exhausted
    const code = bitBuffer & ((1 << codeSize) - 1);
    bitBuffer >>>= codeSize;
    bitCount -= codeSize;

    if (code === clear) { codeSize = minCodeSize + 1; next = clear + 2; previous = -1; continue; }
    if (code === end) break;
    let emitted: number; // code whose string is written (for code === next: previous + its first byte)
    if (previous < 0) {
      if (code >= clear) break; // first code after a clear must be a literal
      emitted = code;
    } else if (code < next) {
      emitted = code;
      if (next < MAX_CODES) addEntry(previous, first[code]!);
    } else if (code === next && next < MAX_CODES) {
      addEntry(previous, first[previous]!);
      emitted = code;
    } else {
      break; // a code beyond the table: corrupt data; the caller reports the missing pixels
    }
    const len = Math.min(length[emitted]!, count - filled);
    let c = emitted;
    for (let k = length[emitted]! - 1; k >= 0; k--) {
      if (k < len) pixels[filled + k] = suffix[c]!;
      c = prefix[c]!;
    }
    filled += len;
    previous = code;
  }
  return { pixels, filled };

  function addEntry(prefixCode: number, byte: number): void {
    prefix[next] = prefixCode;
    suffix[next] = byte;
    first[next] = first[prefixCode]!;
    length[next] = length[prefixCode]! + 1;
    next++;
    // GIF widens the code as soon as the table fills the current width (no early change as in TIFF).
    if (next === 1 << codeSize && codeSize < 12) codeSize++;
  }
}
