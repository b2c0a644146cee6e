/** Test fixtures written to a fresh temp dir: made from real assets or by small independent writers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `arcedge-${prefix}-`));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Inserts an EXIF APP1 segment holding only IFD0 with Orientation = `orientation`, right
 * after SOI (before any JFIF APP0 is allowed by readers; Pillow and libjpeg accept it).
 * Big-endian ("MM") TIFF to exercise the byte-order switch.
 */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const length = payload.length + 2;
  const segment = Uint8Array.from([0xff, 0xe1, length >> 8, length & 0xff, ...payload]);
  const out = new Uint8Array(jpeg.length + segment.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set(segment, 2);
  out.set(jpeg.subarray(2), 2 + segment.length);
  return out;
}

/** Binary PGM (P5) / PPM (P6) with the given maxval (2-byte big-endian samples above 255). */
export function writePnm(kind: 'P5' | 'P6', width: number, height: number, maxval: number, samples: ArrayLike<number>): Uint8Array {
  const header = new TextEncoder().encode(`${kind}\n# arcedge test fixture\n${width} ${height}\n${maxval}\n`);
  const wide = maxval > 255;
  const body = new Uint8Array(samples.length * (wide ? 2 : 1));
  for (let i = 0; i < samples.length; i++) {
    if (wide) body[2 * i] = samples[i]! >> 8, (body[2 * i + 1] = samples[i]! & 0xff);
    else body[i] = samples[i]!;
  }
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}
