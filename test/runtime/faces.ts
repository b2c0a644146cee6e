/**
 * Real face photos as model inputs, without OpenCV: the faceapi_bbt crops are 8-bit greyscale
 * PNGs (150x150), which node:zlib plus the five PNG row filters decode. Keeping the runtime
 * tests free of sdk/image means a broken image stage cannot mask a broken backend.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { createTensor } from '../../sdk/runtime/tensor.ts';
import type { Tensor } from '../../sdk/runtime/types.ts';
import { assetFace } from '../helpers/assets.ts';

export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** Decodes a non-interlaced 8-bit PNG to greyscale (first channel of RGB/RGBA is good enough here). */
export function decodePngGrey(path: string): GreyImage {
  const file = readFileSync(path);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('latin1', offset + 4, offset + 8);
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error(`${path}: only 8-bit non-interlaced PNG is supported`);
      channels = CHANNELS[body[9]!] ?? 0;
      if (!channels) throw new Error(`${path}: PNG colour type ${body[9]} not supported`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x += 1) {
      const a = x >= channels ? rows[y * stride + x - channels]! : 0;
      const b = y > 0 ? rows[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      rows[y * stride + x] = (src[x]! + predictor) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i += 1) pixels[i] = rows[i * channels]!;
  return { width, height, pixels };
}

export const bbtFace = (person: string, index: number): GreyImage => decodePngGrey(assetFace('faceapi_bbt', person, `${person}${index}.png`));

/**
 * NCHW float32 batch for a recognizer: bilinear resize to size x size, grey replicated to 3
 * channels, (x - 127.5) / 128 (the ArcFace-family normalisation in assets/README.md).
 */
export function recognizerBatch(faces: readonly GreyImage[], size = 112): Tensor {
  const plane = size * size;
  const data = new Float32Array(faces.length * 3 * plane);
  faces.forEach((face, n) => {
    for (let y = 0; y < size; y += 1) {
      for (let x = 0; x < size; x += 1) {
        const value = (sampleBilinear(face, ((x + 0.5) * face.width) / size - 0.5, ((y + 0.5) * face.height) / size - 0.5) - 127.5) / 128;
        for (let ch = 0; ch < 3; ch += 1) data[n * 3 * plane + ch * plane + y * size + x] = value;
      }
    }
  });
  return createTensor('float32', data, [faces.length, 3, size, size]);
}

/** A face pasted at (left, top) of a black canvas, as NCHW float32 with a per-model normalisation. */
export function detectorInput(face: GreyImage, width: number, height: number, normalise: (v: number) => number, batch = 1): Tensor {
  const plane = width * height;
  const data = new Float32Array(batch * 3 * plane).fill(normalise(0));
  const left = Math.floor((width - face.width) / 2);
  const top = Math.floor((height - face.height) / 2);
  for (let n = 0; n < batch; n += 1) {
    for (let y = 0; y < face.height; y += 1) {
      for (let x = 0; x < face.width; x += 1) {
        const value = normalise(face.pixels[y * face.width + x]!);
        for (let ch = 0; ch < 3; ch += 1) data[n * 3 * plane + ch * plane + (top + y) * width + left + x] = value;
      }
    }
  }
  return createTensor('float32', data, [batch, 3, height, width]);
}

function sampleBilinear(img: GreyImage, fx: number, fy: number): number {
  const x0 = Math.max(0, Math.min(img.width - 1, Math.floor(fx)));
  const y0 = Math.max(0, Math.min(img.height - 1, Math.floor(fy)));
  const x1 = Math.min(img.width - 1, x0 + 1);
  const y1 = Math.min(img.height - 1, y0 + 1);
  const ax = Math.max(0, Math.min(1, fx - x0));
  const ay = Math.max(0, Math.min(1, fy - y0));
  const p = (x: number, y: number): number => img.pixels[y * img.width + x]!;
  return (p(x0, y0) * (1 - ax) + p(x1, y0) * ax) * (1 - ay) + (p(x0, y1) * (1 - ax) + p(x1, y1) * ax) * ay;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** Row `index` of a [N, D] float32 tensor. */
export function row(tensor: Tensor, index: number): Float32Array {
  const width = tensor.dims[tensor.dims.length - 1]!;
  return (tensor.data as Float32Array).subarray(index * width, (index + 1) * width);
}

export function maxOf(data: ArrayLike<number>): number {
  let best = -Infinity;
  for (let i = 0; i < data.length; i += 1) if (data[i]! > best) best = data[i]!;
  return best;
}
