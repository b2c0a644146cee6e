/**
 * Frame -> NCHW float32 tensor, per the manifest's input spec. The fast path is one native call
 * (sdk/image frameToPlanarTensor: resize, channel split, normalise, pad); `frameToTensor` is the
 * same arithmetic in TypeScript over an already-resized frame, kept as the reference the native
 * path is tested against (test/image/planar-tensor.int.test.ts).
 */
import { ArcEdgeError } from '../errors.ts';
import { frameToPlanarTensor, type PixelRect } from '../image/index.ts';
import type { Frame } from '../image/frame.ts';
import type { InputSpec } from '../models/manifest.ts';
import type { InputBuffers } from '../runtime/tensor.ts';
import type { Tensor } from '../runtime/types.ts';
import { planInput, type InputPlan, type ScaleLimit, type Size } from './input-plan.ts';

export interface PreparedInput {
  readonly tensor: Tensor;
  readonly plan: InputPlan;
  /**
   * Hands the tensor's memory back to the `InputBuffers` it came from; call it once the run that
   * reads the tensor has finished (`session.run(...).finally(release)`). A no-op without a pool.
   */
  readonly release: () => void;
}

// The pool lives with the other tensor helpers (the embedder uses it too); re-exported for the detectors.
export { InputBuffers } from '../runtime/tensor.ts';

const noRelease = (): void => undefined;

export interface PrepareOptions {
  /** Pool the tensor memory comes from; the caller then calls `release()` after the run. */
  readonly buffers?: InputBuffers;
  /**
   * Read only this part of the frame (as if cropFrame'd first: outside the frame is black), for
   * second-stage models such as the 68-point landmarks; default the whole frame.
   */
  readonly region?: PixelRect;
  /** Bounds on the resize (input-plan.ts); default none. */
  readonly limit?: ScaleLimit;
}

/**
 * Resize policy (input-plan.ts) + colour order, mean/std and padding, in one native pass per
 * channel. With `buffers` the tensor lives in pooled memory until `release()`.
 */
export function prepareDetectorInput(frame: Frame, spec: InputSpec, size: Size | undefined, options: PrepareOptions = {}): PreparedInput {
  checkLayout(spec);
  const { buffers, region, limit } = options;
  const plan = planInput(region ?? frame, spec, size, limit);
  const channels = spec.colorOrder === 'grey' ? 1 : 3;
  const length = channels * plan.inputWidth * plan.inputHeight;
  const pooled = buffers?.take(length);
  try {
    // Padding is pixel value 0 before normalisation, as in frameToTensor below.
    const data = frameToPlanarTensor(
      frame,
      {
        ...(region ? { region } : {}),
        resizedWidth: plan.resizedWidth,
        resizedHeight: plan.resizedHeight,
        planeWidth: plan.inputWidth,
        planeHeight: plan.inputHeight,
        colorOrder: spec.colorOrder,
        mean: spec.mean,
        std: spec.std,
      },
      pooled?.data,
    );
    return {
      tensor: { type: 'float32', data, dims: [1, channels, plan.inputHeight, plan.inputWidth] },
      plan,
      release: pooled?.release ?? noRelease,
    };
  } catch (error) {
    pooled?.release();
    throw error;
  }
}

function checkLayout(spec: InputSpec): void {
  if (spec.layout !== 'nchw') {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `input ${spec.name} has layout ${spec.layout}; detectors support nchw only`, {
      fix: 'export the model with NCHW input',
    });
  }
}

/**
 * Writes `resized` (already plan.resizedWidth x plan.resizedHeight) at the top-left of an
 * inputWidth x inputHeight tensor. Padding is pixel value 0 *before* normalisation, as
 * insightface pads its uint8 canvas with zeros (scrfd.py detect()), so a padded value is
 * (0 - mean) / std, not 0.
 */
export function frameToTensor(resized: Frame, plan: InputPlan, spec: InputSpec): Tensor {
  checkLayout(spec);
  if (resized.width !== plan.resizedWidth || resized.height !== plan.resizedHeight) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `resized frame is ${resized.width}x${resized.height}; plan expects ${plan.resizedWidth}x${plan.resizedHeight}`);
  }
  const channels = spec.colorOrder === 'grey' ? 1 : 3;
  const { inputWidth: iw, inputHeight: ih, resizedWidth: rw, resizedHeight: rh } = plan;
  const plane = iw * ih;
  const out = new Float32Array(channels * plane);
  const tables = lookupTables(spec, channels);
  const src = resized.data;

  if (rw !== iw || rh !== ih) {
    for (let c = 0; c < channels; c++) out.fill(tables[c]![0]!, c * plane, (c + 1) * plane);
  }
  if (channels === 1) {
    const t = tables[0]!;
    for (let y = 0; y < rh; y++) {
      let s = y * rw * 3;
      let d = y * iw;
      for (let x = 0; x < rw; x++, s += 3, d++) {
        // BT.601 luma in 14-bit fixed point, rounded: OpenCV's BGR2GRAY coefficients (its SIMD
        // path lands one level lower on about 1 pixel in 10^5; the native path uses cvtColor).
        out[d] = t[(src[s]! * 1868 + src[s + 1]! * 9617 + src[s + 2]! * 4899 + 8192) >> 14]!;
      }
    }
  } else {
    // Frame bytes are B,G,R; table k normalises model channel k.
    const rgb = spec.colorOrder === 'rgb';
    const tB = rgb ? tables[2]! : tables[0]!;
    const tG = tables[1]!;
    const tR = rgb ? tables[0]! : tables[2]!;
    const oB = rgb ? 2 * plane : 0;
    const oR = rgb ? 0 : 2 * plane;
    for (let y = 0; y < rh; y++) {
      let s = y * rw * 3;
      let d = y * iw;
      for (let x = 0; x < rw; x++, s += 3, d++) {
        out[oB + d] = tB[src[s]!]!;
        out[plane + d] = tG[src[s + 1]!]!;
        out[oR + d] = tR[src[s + 2]!]!;
      }
    }
  }
  return { type: 'float32', data: out, dims: [1, channels, ih, iw] };
}

function lookupTables(spec: InputSpec, channels: number): Float32Array[] {
  const tables: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const mean = spec.mean[Math.min(c, spec.mean.length - 1)]!;
    const std = spec.std[Math.min(c, spec.std.length - 1)]!;
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v - mean) / std;
    tables.push(table);
  }
  return tables;
}
