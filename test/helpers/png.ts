/**
 * A minimal PNG writer for test fixtures (filter 0 rows, one zlib IDAT), so 16-bit, grey,
 * grey+alpha and RGBA inputs come from code that shares nothing with the decoder under test.
 */
import { crc32, deflateSync } from 'node:zlib';

/** colourType: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA (PNG spec table 11.1). */
export function writePng(width: number, height: number, colourType: 0 | 2 | 3 | 4 | 6, bitDepth: 8 | 16, samples: ArrayLike<number>, extraChunks: { type: string; data: Uint8Array }[] = []): Uint8Array {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colourType];
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) {
      const v = samples[y * width * channels + i]!;
      const at = y * (rowBytes + 1) + 1 + i * bytesPerSample;
      if (bitDepth === 16) raw[at] = v >> 8, (raw[at + 1] = v & 0xff);
      else raw[at] = v;
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([bitDepth, colourType, 0, 0, 0], 8);
  return concat([
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extraChunks.map((c) => chunk(c.type, c.data)),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

/**
 * An RGB PNG whose header claims width x height while its IDAT holds one short row: a valid
 * container for tests that must be refused from the header, before any pixel is decoded.
 */
export function pngClaiming(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = new Uint8Array(1 + Math.min(width, 64) * 3);
  return concat([
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(row)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
