/**
 * Frame -> NCHW float32 tensor, per the manifest's input spec. One OpenCV resize (through
 * sdk/image), then one pass over the pixels in TypeScript with per-channel lookup tables, so
 * colour order, mean and std cost one table read per value.
 */
import { ArcEdgeError } from '../errors.ts';
import { resizeFrame } from '../image/index.ts';
import type { Frame } from '../image/frame.ts';
import type { InputSpec } from '../models/manifest.ts';
import type { Tensor } from '../runtime/types.ts';
import { planInput, type InputPlan, type Size } from './input-plan.ts';

export interface PreparedInput {
  readonly tensor: Tensor;
  readonly plan: InputPlan;
}

export function prepareDetectorInput(frame: Frame, spec: InputSpec, size: Size | undefined): PreparedInput {
  const plan = planInput(frame, spec, size);
  const resized =
    plan.resizedWidth === frame.width && plan.resizedHeight === frame.height
      ? frame
      : resizeFrame(frame, plan.resizedWidth, plan.resizedHeight);
  return { tensor: frameToTensor(resized, plan, spec), plan };
}

/**
 * Writes `resized` (already plan.resizedWidth x plan.resizedHeight) at the top-left of an
 * inputWidth x inputHeight tensor. Padding is pixel value 0 *before* normalisation, as
 * insightface pads its uint8 canvas with zeros (scrfd.py detect()), so a padded value is
 * (0 - mean) / std, not 0.
 */
export function frameToTensor(resized: Frame, plan: InputPlan, spec: InputSpec): Tensor {
  if (spec.layout !== 'nchw') {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `input ${spec.name} has layout ${spec.layout}; detectors support nchw only`, {
      fix: 'export the model with NCHW input',
    });
  }
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
        // BT.601 luma in 14-bit fixed point, rounded: what OpenCV's BGR2GRAY produces.
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
