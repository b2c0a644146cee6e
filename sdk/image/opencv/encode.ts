/** BGR Frame -> JPEG / PNG bytes through OpenCV's codecs (imencode). */
import { ArcEdgeError } from '../../errors.ts';
import type { Frame } from '../frame.ts';
import { cv } from './loader.ts';
import { borrowMat, checkFrame, withMats } from './mats.ts';

/** Baseline JPEG at `quality` 1..100 (OpenCV's libjpeg, 4:2:0 chroma). */
export function encodeJpeg(frame: Frame, quality = 90): Uint8Array {
  checkFrame(frame);
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `JPEG quality ${quality} is not an integer in 1..100`);
  }
  const c = cv();
  return withMats((track) => {
    const buffer = c.imencode('.jpg', track(borrowMat(frame)), [c.IMWRITE_JPEG_QUALITY, quality]);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  });
}

/** Lossless PNG (used for stored crops, where JPEG artefacts would shift embeddings). */
export function encodePng(frame: Frame): Uint8Array {
  checkFrame(frame);
  const c = cv();
  return withMats((track) => {
    const buffer = c.imencode('.png', track(borrowMat(frame)));
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  });
}
