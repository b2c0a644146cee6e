/**
 * Passive liveness (anti-spoofing) from one frame: a classifier over a wide crop around each
 * face. Returns P(real) per face after a softmax over the model's classes (index
 * `liveness.realIndex` of the manifest, 0 for fr_liveness). The crop is the face box scaled by
 * `liveness.cropScale`, kept square and inside the frame (see crop-rect.ts), resized to the
 * model input.
 */
import type { Box } from '../detect/types.ts';
import type { Frame } from '../image/frame.ts';
import { cropFrame, frameToPlanarTensor, resizeFrame } from '../image/index.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession } from '../runtime/types.ts';
import { ArcEdgeError } from '../errors.ts';
import { batchDims, inputGeometry, writeInputSample } from '../embed/index.ts';
import { livenessCropRect, type PixelRect } from './crop-rect.ts';

/** Scores how likely each detected face is a real one rather than a photo or a screen. */
export interface LivenessScorer {
  readonly modelId: string;
  /** P(real face) in 0..1 for each box, in order. */
  score(frame: Frame, boxes: readonly Box[]): Promise<number[]>;
  /** The exact crop the model sees for one box (for debugging and the tests). */
  crop(frame: Frame, box: Box): { crop: Frame; rect: PixelRect };
  dispose(): Promise<void>;
}

export function softmax(values: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  const exps = Array.from({ length: values.length }, (_, i) => Math.exp(values[i]! - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** A LivenessScorer over a loaded session of a task "liveness" model. */
export function createLivenessScorer(manifest: ModelManifest, session: InferenceSession): LivenessScorer {
  if (manifest.task !== 'liveness' || !manifest.liveness) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `model ${manifest.id} is a ${manifest.task} model without liveness params`, {
      fix: 'pass a task "liveness" manifest with liveness { realIndex, cropScale } (e.g. fr_liveness from the default set)',
    });
  }
  const spec = manifest.input;
  const { width, height } = inputGeometry(spec);
  const { realIndex, cropScale } = manifest.liveness;
  const outputName = manifest.outputs.mode === 'by-name' ? manifest.outputs.names?.[0] : session.outputs[0]?.name;
  if (!outputName) {
    throw new ArcEdgeError('MODEL_IO_MISMATCH', `liveness model ${manifest.id} declares no usable output`);
  }
  let disposed = false;
  let spare: Float32Array | undefined;

  function crop(frame: Frame, box: Box): { crop: Frame; rect: PixelRect } {
    const rect = livenessCropRect(box, frame.width, frame.height, cropScale);
    // Cut first, then resize (bilinear, as the model's training pipeline did with cv2.resize): the
    // OpenCV adapter copies its whole input, and the rect is usually far smaller than the frame.
    return { crop: resizeFrame(cropFrame(frame, rect), width, height, 'linear'), rect };
  }

  // The same pixels as crop() + writeInputSample, without the two intermediate frames: the rect
  // lies inside the frame, so OpenCV resizes straight out of the borrowed frame into the tensor.
  function writeLivenessInput(frame: Frame, box: Box, out: Float32Array): void {
    if (spec.layout !== 'nchw' || spec.colorOrder === 'grey') {
      writeInputSample(crop(frame, box).crop, spec, out, 0);
      return;
    }
    const region = livenessCropRect(box, frame.width, frame.height, cropScale);
    frameToPlanarTensor(
      frame,
      { region, resizedWidth: width, resizedHeight: height, planeWidth: width, planeHeight: height, colorOrder: spec.colorOrder, mean: spec.mean, std: spec.std },
      out,
    );
  }

  return {
    modelId: manifest.id,
    crop,
    async score(frame, boxes) {
      if (disposed) throw new ArcEdgeError('BACKEND_DISPOSED', `liveness scorer ${manifest.id} was disposed`, { fix: 'create a new one' });
      const scores: number[] = [];
      const dims = batchDims(spec, 1);
      // One buffer for every face of this call (runs are sequential and ORT keeps no inputs), kept
      // for the next call: a fresh 192 KB array costs ~0.2 ms in page faults. A call that overlaps
      // another finds no spare and allocates its own.
      const data = spare ?? new Float32Array(dims.reduce((a, b) => a * b, 1));
      spare = undefined;
      try {
        // fr_liveness has a fixed batch of 1; faces per frame are few, so one run each.
        for (const box of boxes) {
          writeLivenessInput(frame, box, data);
          const out = (await session.run({ [spec.name]: { type: 'float32', data, dims } }))[outputName];
          if (!out || !(out.data instanceof Float32Array) || out.data.length <= realIndex) {
            throw new ArcEdgeError('MODEL_IO_MISMATCH', `liveness model ${manifest.id} returned ${out?.data.length ?? 'no'} values`, {
              fix: 'check outputs and liveness.realIndex in the model manifest',
            });
          }
          scores.push(softmax(out.data)[realIndex]!);
        }
      } finally {
        spare = data;
      }
      return scores;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.dispose();
    },
  };
}
