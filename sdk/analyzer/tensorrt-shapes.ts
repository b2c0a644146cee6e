/**
 * One TensorRT optimisation profile per model. `inference.backend` is shared by every model of a
 * pipeline, but TensorRT's `inputShapes` are keyed by input name, and the buffalo sets name the
 * detector's and the recognizer's inputs alike (`input.1`): one shape for both either refuses the
 * SCRFD build (no shape for its dynamic H/W) or asks the fixed 112x112 recognizer for 640x640,
 * and that model falls back to CPU. So each model gets its own `tensorrt.inputShapes`:
 *
 * 1. `tensorrt.modelInputShapes[<model id>]`, when given, as it is;
 * 2. else, for an input whose declared height/width are dynamic: `tensorrt.inputShapes[<input>]`
 *    when given (the caller's word), else a profile from the manifest and the detector's
 *    inputSize: spatial axes from one stride up to that size (a letterbox capped for small
 *    frames and resize "pad" both feed smaller inputs, rounded to the stride);
 * 3. an input with fixed height/width gets no entry: its batch axis is the wrapper's batch profile.
 */
import type { ModelManifest } from '../models/manifest.ts';
import type { ProfileShape, SessionOptions } from '../runtime/types.ts';
import { modelInputSize } from '../detect/input-plan.ts';
import { SESSION_DEFAULTS } from '../runtime/options.ts';

interface Size {
  readonly width: number;
  readonly height: number;
}

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;
const isDynamic = (dim: number | string | undefined): boolean => typeof dim !== 'number' || dim < 0;

/** The profile for a manifest's one image input, or undefined when its height and width are fixed. */
export function manifestProfile(manifest: ModelManifest, detectInputSize: Size | undefined, maxBatch: number): ProfileShape | undefined {
  const spec = manifest.input;
  const nchw = spec.layout === 'nchw';
  const [hAxis, wAxis] = nchw ? [2, 3] : [1, 2];
  if (!isDynamic(spec.shape[hAxis]) && !isDynamic(spec.shape[wAxis])) return undefined;
  // A detector's inputSize option only sizes detectors; other tasks use the manifest's size.
  const size = modelInputSize(spec, manifest.task === 'detect' ? detectInputSize : undefined);
  if (!size) return undefined; // the build then names the input and asks for inputShapes
  const stride = spec.stride ?? 32;
  const maxH = roundUp(size.height, stride);
  const maxW = roundUp(size.width, stride);
  const shape = (batch: number, h: number, w: number): number[] =>
    spec.shape.map((dim, axis) => {
      if (axis === hAxis) return isDynamic(dim) ? h : (dim as number);
      if (axis === wAxis) return isDynamic(dim) ? w : (dim as number);
      if (axis === 0) return isDynamic(dim) ? batch : (dim as number);
      return dim as number; // channels are always declared
    });
  // Detectors run one frame per call: a batch range would only size activation memory for frames never fed.
  const batchMax = manifest.task === 'detect' ? 1 : maxBatch;
  return { min: shape(1, stride, stride), opt: shape(1, maxH, maxW), max: shape(batchMax, maxH, maxW) };
}

/**
 * The SessionOptions for one model: `backend` with `tensorrt.inputShapes` replaced by that model's
 * own (see the rules above) and `modelInputShapes` removed (the runtime takes shapes by input name).
 */
export function backendForModel(manifest: ModelManifest, backend: SessionOptions, detectInputSize: Size | undefined): SessionOptions {
  if (!backend.tensorrt && !backend.targets?.includes('tensorrt')) return backend;
  const { modelInputShapes, inputShapes, ...rest } = backend.tensorrt ?? {};
  const own = modelInputShapes?.[manifest.id];
  let shapes: Record<string, ProfileShape>;
  if (own) {
    shapes = { ...own };
  } else {
    const name = manifest.input.name;
    const derived = manifestProfile(manifest, detectInputSize, backend.maxBatch ?? SESSION_DEFAULTS.tensorrtMaxBatch);
    const given = inputShapes?.[name];
    shapes = derived ? { [name]: given ?? derived } : {};
  }
  return { ...backend, tensorrt: { ...rest, inputShapes: shapes } };
}
