/**
 * The project's only door to OpenCV (@u4/opencv4nodejs 7.1.2 over the system OpenCV 4.6).
 * Everything here takes and returns plain Frames / typed arrays: no cv.Mat leaves this file,
 * and every Mat made here is released before the function returns (see `withMats`), so
 * native memory never waits for the JavaScript garbage collector.
 *
 * Loading: the package's entry points try to build OpenCV from source unless
 * OPENCV4NODEJS_DISABLE_AUTOBUILD is set, so we set it (if the user has not) and load the
 * CommonJS build lazily with createRequire on first use. Lazy keeps `import 'arcedge'` cheap
 * for programs that never touch pixels, and synchronous keeps every function here synchronous.
 */
import { createRequire } from 'node:module';
import type { Mat } from '@u4/opencv4nodejs';
import { ArcEdgeError } from '../errors.ts';
import { createFrame, type AffineMatrix, type Frame } from './frame.ts';
import type { Orientation } from './exif.ts';
import type { AlphaPolicy } from './decode-options.ts';
import type { PixelRect } from './crop.ts';

type OpenCV = (typeof import('@u4/opencv4nodejs'))['cv'];

let loaded: OpenCV | undefined;

function cv(): OpenCV {
  if (loaded) return loaded;
  process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD ??= '1';
  const requireHere = createRequire(import.meta.url);
  // Its build helper logs the host app's package.json (as coloured "Error:" lines when there
  // is none) on every load; silence it for the load only (Log.silence is its own switch).
  let log: { silence?: boolean } | undefined;
  try {
    log = (createRequire(requireHere.resolve('@u4/opencv4nodejs'))('@u4/opencv-build') as { Log?: { silence?: boolean } }).Log;
  } catch {
    // a different package layout: the load still works, only noisier
  }
  const wasSilent = log?.silence;
  if (log) log.silence = true;
  try {
    loaded = (requireHere('@u4/opencv4nodejs') as { cv: OpenCV }).cv;
  } catch (cause) {
    throw new ArcEdgeError('BACKEND_UNAVAILABLE', 'OpenCV (@u4/opencv4nodejs) could not be loaded', {
      cause,
      fix: 'install the system OpenCV (Debian/Ubuntu: apt-get install libopencv-dev) and reinstall with OPENCV4NODEJS_DISABLE_AUTOBUILD=1 OPENCV_INCLUDE_DIR=/usr/include/opencv4 OPENCV_LIB_DIR=/usr/lib/x86_64-linux-gnu OPENCV_BIN_DIR=/usr/bin npm rebuild @u4/opencv4nodejs',
    });
  } finally {
    if (log) log.silence = wasSilent;
  }
  return loaded;
}

/** Runs `body` with a tracker; every Mat passed to the tracker is released when it returns or throws. */
function withMats<T>(body: (track: <M extends Mat>(mat: M) => M) => T): T {
  const mats: Mat[] = [];
  try {
    return body((mat) => (mats.push(mat), mat));
  } finally {
    for (const mat of mats) mat.release();
  }
}

function checkFrame(frame: Frame, what = 'frame'): void {
  if (!(Number.isInteger(frame.width) && Number.isInteger(frame.height) && frame.width > 0 && frame.height > 0) || frame.data.length !== frame.width * frame.height * 3) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${what} is ${frame.width}x${frame.height} with ${frame.data.length} bytes; a BGR frame needs width*height*3`);
  }
}

/** Wraps the frame's bytes without copying (the Mat borrows them; never write through it). */
function borrowMat(frame: Frame): Mat {
  const { data } = frame;
  return new (cv().Mat)(frame.height, frame.width, cv().CV_8UC3, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** Copies a continuous 8-bit Mat out (getData copies once; the view avoids a second copy). */
function bytesOf(mat: Mat): Uint8Array {
  const buffer = mat.getData();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function frameOf(mat: Mat): Frame {
  return createFrame(mat.cols, mat.rows, bytesOf(mat));
}

/**
 * Decodes JPEG/PNG/WebP/BMP/PNM bytes to BGR. The caller (decode.ts) has already checked
 * format, size and completeness. Decoding is IMREAD_UNCHANGED so that 16-bit samples are
 * scaled (x * 255/65535, rounded) instead of truncated, and alpha is handled by `alpha`;
 * `orientation` is then applied with flips/transposes.
 *
 * `sampleMax` is the largest value a 16-bit sample can take (65535, or a PNM maxval).
 * Returns undefined when OpenCV cannot decode the bytes (caller reports IMAGE_CORRUPT).
 */
export function decodeWithOpenCV(
  bytes: Uint8Array,
  options: { alpha: AlphaPolicy; orientation: Orientation; sampleMax?: number },
): Frame | undefined {
  const c = cv();
  return withMats((track) => {
    let mat = track(c.imdecode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), c.IMREAD_UNCHANGED));
    if (mat.empty || mat.rows === 0 || mat.cols === 0) return undefined;
    if (mat.depth === c.CV_16U) mat = track(mat.convertTo(c.CV_8U, 255 / (options.sampleMax ?? 65535)));
    else if (mat.depth === c.CV_32F) mat = track(mat.convertTo(c.CV_8U, 255));
    else if (mat.depth !== c.CV_8U) return undefined;

    let composite: AlphaPolicy = 'drop';
    if (mat.channels === 1) mat = track(mat.cvtColor(c.COLOR_GRAY2BGR));
    else if (mat.channels === 4) {
      composite = options.alpha;
      if (composite === 'drop') mat = track(mat.cvtColor(c.COLOR_BGRA2BGR));
    } else if (mat.channels !== 3) return undefined;

    mat = orient(mat, options.orientation, track);
    if (composite === 'drop') return frameOf(mat);
    return compositeBgra(bytesOf(mat), mat.cols, mat.rows, composite === 'white' ? 255 : 0);
  });
}

/** EXIF orientation -> the flips that display the image upright (EXIF 2.3, tag 0x0112). */
function orient(mat: Mat, orientation: Orientation, track: <M extends Mat>(m: M) => M): Mat {
  switch (orientation) {
    case 1: return mat;
    case 2: return track(mat.flip(1)); // mirrored horizontally
    case 3: return track(mat.flip(-1)); // rotated 180
    case 4: return track(mat.flip(0)); // mirrored vertically
    case 5: return track(mat.transpose()); // mirrored along the main diagonal
    case 6: return track(track(mat.transpose()).flip(1)); // stored rotated 90 CCW: turn 90 CW
    case 7: return track(track(mat.transpose()).flip(-1)); // mirrored along the anti-diagonal
    case 8: return track(track(mat.transpose()).flip(0)); // stored rotated 90 CW: turn 90 CCW
  }
}

function compositeBgra(bgra: Uint8Array, width: number, height: number, background: number): Frame {
  const frame = createFrame(width, height);
  // Uint8Array stores by truncation, so "+ 127" makes the division round to nearest.
  for (let i = 0, o = 0; o < frame.data.length; i += 4, o += 3) {
    const a = bgra[i + 3]!;
    const behind = background * (255 - a);
    frame.data[o] = (bgra[i]! * a + behind + 127) / 255;
    frame.data[o + 1] = (bgra[i + 1]! * a + behind + 127) / 255;
    frame.data[o + 2] = (bgra[i + 2]! * a + behind + 127) / 255;
  }
  return frame;
}

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

export type Interpolation = 'nearest' | 'linear' | 'area' | 'cubic';

export function resizeFrame(frame: Frame, width: number, height: number, interpolation: Interpolation = 'linear'): Frame {
  checkFrame(frame);
  checkSize(width, height);
  const c = cv();
  const flag = { nearest: c.INTER_NEAREST, linear: c.INTER_LINEAR, area: c.INTER_AREA, cubic: c.INTER_CUBIC }[interpolation];
  if (flag === undefined) throw new ArcEdgeError('INVALID_ARGUMENT', `unknown interpolation "${interpolation}"; expected nearest, linear, area or cubic`);
  return withMats((track) => frameOf(track(track(borrowMat(frame)).resize(height, width, 0, 0, flag))));
}

export interface PlanarTensorLayout {
  /**
   * Part of the frame to read; default the whole frame. It may extend past the frame: the outside
   * reads as black, exactly as cropFrame's copy would (without making that copy).
   */
  readonly region?: PixelRect;
  /** The region is resized (bilinear) to this size and written at the top-left of every plane. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Plane size (>= the resized size); the rest of each plane is pixel value 0, normalised. */
  readonly planeWidth: number;
  readonly planeHeight: number;
  /** Plane order: 'rgb' / 'bgr' give 3 planes, 'grey' one plane of BT.601 luma (OpenCV BGR2GRAY). */
  readonly colorOrder: 'rgb' | 'bgr' | 'grey';
  /** Per plane, in plane order (a single value applies to all): plane value = (pixel - mean) / std. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * Frame (or a region of it) -> normalised float32 planes (CHW), the input most vision models
 * take, written into `out` at element `offset` (a new array when `out` is not given).
 *
 * Native because the per-value loop in JavaScript cost ~2 ms per 640x640 detector input here
 * against ~1 ms for this (measured on the dev VM). The frame is borrowed, not copied; each plane
 * is one convertTo (scale and shift in one pass) copied straight into `out`'s memory through a
 * Mat that wraps it, and padding is one setTo per strip. Pass a reused `out` where you can: the
 * first write to fresh memory costs more than all of this (see detect/preprocess.ts).
 * cv.dnn.blobFromImage is no shortcut: it takes one scalar std, and the 4-D Mat it returns
 * cannot be read by getData (which sizes its copy as rows * cols, both -1 for 4-D).
 */
export function frameToPlanarTensor(frame: Frame, layout: PlanarTensorLayout, out?: Float32Array, offset = 0): Float32Array {
  checkFrame(frame);
  const { resizedWidth: rw, resizedHeight: rh, planeWidth: pw, planeHeight: ph, colorOrder } = layout;
  checkSize(rw, rh);
  checkSize(pw, ph);
  if (rw > pw || rh > ph) throw new ArcEdgeError('INVALID_ARGUMENT', `resized size ${rw}x${rh} does not fit in planes of ${pw}x${ph}`);
  const region = layout.region ?? { x: 0, y: 0, width: frame.width, height: frame.height };
  const { x, y, width, height } = region;
  if (![x, y, width, height].every(Number.isInteger) || width <= 0 || height <= 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `region ${JSON.stringify(region)} must be integers with positive width and height`, {
      fix: 'round the box first, e.g. Math.floor for x/y and Math.ceil for the size',
    });
  }
  const channels = colorOrder === 'grey' ? 1 : 3;
  const planeSize = pw * ph;
  const target = out ?? new Float32Array(channels * planeSize);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + channels * planeSize <= target.length)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `output holds ${target.length} floats; ${channels} planes of ${pw}x${ph} at offset ${offset} do not fit`);
  }
  const norm = Array.from({ length: channels }, (_, k) => {
    const mean = layout.mean[Math.min(k, layout.mean.length - 1)];
    const std = layout.std[Math.min(k, layout.std.length - 1)];
    if (mean === undefined || std === undefined || !Number.isFinite(mean) || !Number.isFinite(std) || std === 0) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `plane ${k} needs a finite mean and a non-zero std; got mean ${mean}, std ${std}`);
    }
    return { scale: 1 / std, shift: -mean / std, pad: Math.fround((0 - mean) / std) };
  });

  const c = cv();
  withMats((track) => {
    let source = track(borrowMat(frame));
    if (x !== 0 || y !== 0 || width !== frame.width || height !== frame.height) {
      // The part inside the frame is a view; what lies outside becomes a black border around it.
      const left = Math.min(Math.max(x, 0), frame.width), right = Math.max(Math.min(x + width, frame.width), left);
      const top = Math.min(Math.max(y, 0), frame.height), bottom = Math.max(Math.min(y + height, frame.height), top);
      if (right > left && bottom > top) {
        source = track(source.getRegion(new c.Rect(left, top, right - left, bottom - top)));
        if (right - left !== width || bottom - top !== height) {
          source = track(source.copyMakeBorder(top - y, y + height - bottom, left - x, x + width - right, c.BORDER_CONSTANT, new c.Vec3(0, 0, 0)));
        }
      } else {
        source = track(new c.Mat(height, width, c.CV_8UC3, [0, 0, 0]));
      }
    }
    if (rw !== width || rh !== height) source = track(source.resize(rh, rw, 0, 0, c.INTER_LINEAR));
    let planes: Mat[];
    if (channels === 1) planes = [track(source.cvtColor(c.COLOR_BGR2GRAY))];
    else {
      planes = source.splitChannels().map(track); // B, G, R
      if (colorOrder === 'rgb') planes.reverse();
    }
    const bytes = Buffer.from(target.buffer, target.byteOffset + offset * 4, channels * planeSize * 4);
    const stacked = track(new c.Mat(channels * ph, pw, c.CV_32F, bytes)); // writes land in `target`
    for (let k = 0; k < channels; k++) {
      const { scale, shift, pad } = norm[k]!;
      const planeTop = k * ph;
      if (rh < ph) track(track(stacked.getRegion(new c.Rect(0, planeTop + rh, pw, ph - rh))).setTo(pad));
      if (rw < pw) track(track(stacked.getRegion(new c.Rect(rw, planeTop, pw - rw, rh))).setTo(pad));
      // Released at once, not at the end: glibc then hands the same block to the next plane
      // instead of growing the heap by three planes and trimming it (page faults) afterwards.
      const converted = planes[k]!.convertTo(c.CV_32F, scale, shift);
      try {
        track(converted.copyTo(track(stacked.getRegion(new c.Rect(0, planeTop, rw, rh)))));
      } finally {
        converted.release();
      }
    }
  });
  return target;
}

/**
 * Output pixel (x, y) = input sampled at matrix^-1 (x, y): `matrix` maps input -> output,
 * as in cv2.warpAffine and insightface's norm_crop. Bilinear; outside the input is 0 (black).
 */
export function warpAffine(frame: Frame, matrix: AffineMatrix, width: number, height: number): Frame {
  checkFrame(frame);
  checkSize(width, height);
  if (matrix.length !== 6 || !matrix.every(Number.isFinite)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `affine matrix must be 6 finite numbers; got [${matrix.join(', ')}]`);
  }
  const c = cv();
  return withMats((track) => {
    const m = track(new c.Mat([[matrix[0], matrix[1], matrix[2]], [matrix[3], matrix[4], matrix[5]]], c.CV_64F));
    const out = track(track(borrowMat(frame)).warpAffine(m, new c.Size(width, height), c.INTER_LINEAR, c.BORDER_CONSTANT, new c.Vec3(0, 0, 0)));
    return frameOf(out);
  });
}

export interface GreyImage {
  /** width * height bytes, one luma value per pixel (0.299 R + 0.587 G + 0.114 B, as cv2). */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export function toGrey(frame: Frame): GreyImage {
  checkFrame(frame);
  const c = cv();
  return withMats((track) => {
    const grey = track(track(borrowMat(frame)).cvtColor(c.COLOR_BGR2GRAY));
    return { data: bytesOf(grey), width: grey.cols, height: grey.rows };
  });
}

/**
 * Variance of the 3x3 Laplacian (kernel 0 1 0 / 1 -4 1 / 0 1 0, reflected border), the
 * common sharpness score (`cv2.Laplacian(grey, cv2.CV_64F).var()`): low means blurred.
 */
export function laplacianVariance(grey: GreyImage): number {
  if (grey.data.length !== grey.width * grey.height || grey.width < 1 || grey.height < 1) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `grey image is ${grey.width}x${grey.height} with ${grey.data.length} bytes`);
  }
  const c = cv();
  return withMats((track) => {
    const { data } = grey;
    const mat = track(new c.Mat(grey.height, grey.width, c.CV_8UC1, Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
    const laplacian = track(mat.laplacian(c.CV_64F, 1));
    const { mean, stddev } = laplacian.meanStdDev();
    track(mean);
    const sd = track(stddev).at(0, 0) as number;
    return sd * sd;
  });
}

export interface Annotation {
  /** Rectangle corners in frame pixels. */
  readonly box?: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number };
  /** Points drawn as small filled circles (e.g. the 5 landmarks). */
  readonly points?: readonly { readonly x: number; readonly y: number }[];
  /** Text drawn above the box (or at the first point). */
  readonly label?: string;
  /** [B, G, R], default green. */
  readonly color?: readonly [number, number, number];
}

/** Returns a copy of `frame` with the annotations drawn (anti-aliased lines, Hershey font). */
export function drawAnnotations(frame: Frame, annotations: readonly Annotation[]): Frame {
  checkFrame(frame);
  const c = cv();
  return withMats((track) => {
    const mat = track(new c.Mat(frame.height, frame.width, c.CV_8UC3, Buffer.from(frame.data))); // a private copy to draw on
    const thickness = Math.max(1, Math.round(Math.min(frame.width, frame.height) / 300));
    for (const annotation of annotations) {
      const [b, g, r] = annotation.color ?? [0, 255, 0];
      const color = new c.Vec3(b, g, r);
      const { box, points = [], label } = annotation;
      if (box) mat.drawRectangle(new c.Point2(Math.round(box.x1), Math.round(box.y1)), new c.Point2(Math.round(box.x2), Math.round(box.y2)), color, thickness, c.LINE_AA);
      for (const p of points) mat.drawCircle(new c.Point2(Math.round(p.x), Math.round(p.y)), thickness + 1, color, -1, c.LINE_AA);
      const anchor = box ? { x: box.x1, y: box.y1 - 4 * thickness } : points[0];
      if (label && anchor) {
        const origin = new c.Point2(Math.round(anchor.x), Math.max(12 * thickness, Math.round(anchor.y)));
        mat.putText(label, origin, c.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, color, thickness, c.LINE_AA);
      }
    }
    return frameOf(mat);
  });
}

function checkSize(width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `output size ${width}x${height} must be positive integers`);
  }
}
