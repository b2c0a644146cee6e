/**
 * What every OpenCV job in this folder shares: Frame checks, borrowing a Frame's bytes as a Mat,
 * copying a Mat back out, and `withMats`, which releases every Mat a job made before it returns,
 * so native memory never waits for the JavaScript garbage collector. No cv.Mat leaves this folder.
 */
import { ArcEdgeError } from '../../errors.ts';
import { createFrame, type Frame } from '../frame.ts';
import { cv, type Mat } from './loader.ts';

export type TrackMat = <M extends Mat>(mat: M) => M;

/** Runs `body` with a tracker; every Mat passed to the tracker is released when it returns or throws. */
export function withMats<T>(body: (track: TrackMat) => T): T {
  const mats: Mat[] = [];
  try {
    return body((mat) => (mats.push(mat), mat));
  } finally {
    for (const mat of mats) mat.release();
  }
}

export function checkFrame(frame: Frame, what = 'frame'): void {
  if (!(Number.isInteger(frame.width) && Number.isInteger(frame.height) && frame.width > 0 && frame.height > 0) || frame.data.length !== frame.width * frame.height * 3) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${what} is ${frame.width}x${frame.height} with ${frame.data.length} bytes; a BGR frame needs width*height*3`);
  }
}

export function checkSize(width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `output size ${width}x${height} must be positive integers`);
  }
}

/** Wraps the frame's bytes without copying (the Mat borrows them; never write through it). */
export function borrowMat(frame: Frame): Mat {
  const { data } = frame;
  const c = cv();
  return new c.Mat(frame.height, frame.width, c.CV_8UC3, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** Copies a continuous 8-bit Mat out (getData copies once; the view avoids a second copy). */
export function bytesOf(mat: Mat): Uint8Array {
  const buffer = mat.getData();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function frameOf(mat: Mat): Frame {
  return createFrame(mat.cols, mat.rows, bytesOf(mat));
}
