/**
 * Where a frame lands inside a detector's input tensor: the resize policy from the
 * manifest (letterbox / stretch / pad) turned into sizes and the scale that maps
 * detections back to frame pixels. Pure arithmetic, no pixels.
 */
import { ArcEdgeError } from '../errors.ts';
import type { InputSpec } from '../models/manifest.ts';

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface InputPlan {
  /** Tensor spatial size fed to the model. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** Size the frame is resized to; it sits at the top-left, the rest is padding. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** input pixels per frame pixel: frameX = inputX / scaleX. */
  readonly scaleX: number;
  readonly scaleY: number;
}

export interface ScaleLimit {
  /**
   * letterbox only: never enlarge the frame more than this. Fitting a 92x112 face crop into
   * 640x640 enlarges it 5.7x and puts a ~640 px face before a detector trained on WIDER FACE
   * crops, where faces that large are rare; capped, the face stays in the trained range, and a
   * dynamic-shape model also runs on a smaller input.
   */
  readonly maxUpscale?: number;
  /**
   * letterbox, dynamic-shape models only: make the input just large enough for the resized frame
   * (rounded up to the stride) instead of the full square, so a 4:3 frame at 320 runs on 320x256.
   */
  readonly trimPadding?: boolean;
}

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/**
 * letterbox: scale to fit `size` keeping aspect, pad right/bottom (insightface scrfd.py
 * `detect()`: the fitted side takes the full size, the other is `int()`-truncated).
 * stretch: resize to `size` ignoring aspect.
 * pad: no upscaling; a frame larger than `size` (when given) is scaled down to fit it first,
 * then both sides are padded up to a multiple of `stride` (without the cap a 4000 px photo
 * would be fed whole, and small-input detectors miss the big faces in it).
 * none: the frame must already have the declared size.
 */
export function planInput(frame: Size, spec: InputSpec, size: Size | undefined, limit: ScaleLimit = {}): InputPlan {
  const { width: fw, height: fh } = frame;
  if (fw <= 0 || fh <= 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `frame is ${fw}x${fh}; a detector needs a non-empty frame`);
  }
  switch (spec.resize) {
    case 'letterbox': {
      const target = requireSize(size, spec);
      const fit = Math.min(target.width / fw, target.height / fh);
      if (limit.maxUpscale !== undefined && fit > limit.maxUpscale) return cappedLetterbox(frame, target, spec, limit.maxUpscale);
      let resizedWidth: number;
      let resizedHeight: number;
      if (fh / fw > target.height / target.width) {
        resizedHeight = target.height;
        resizedWidth = Math.max(1, Math.floor((target.height * fw) / fh));
      } else {
        resizedWidth = target.width;
        resizedHeight = Math.max(1, Math.floor((target.width * fh) / fw));
      }
      const trim = limit.trimPadding === true && fixedInputSize(spec) === undefined;
      const stride = spec.stride ?? 32;
      return {
        inputWidth: trim ? Math.min(target.width, roundUp(resizedWidth, stride)) : target.width,
        inputHeight: trim ? Math.min(target.height, roundUp(resizedHeight, stride)) : target.height,
        resizedWidth,
        resizedHeight,
        scaleX: resizedWidth / fw,
        scaleY: resizedHeight / fh,
      };
    }
    case 'stretch': {
      const target = requireSize(size, spec);
      return {
        inputWidth: target.width,
        inputHeight: target.height,
        resizedWidth: target.width,
        resizedHeight: target.height,
        scaleX: target.width / fw,
        scaleY: target.height / fh,
      };
    }
    case 'pad': {
      const stride = spec.stride ?? 32;
      const fit = size ? Math.min(1, size.width / fw, size.height / fh) : 1;
      const resizedWidth = Math.max(1, Math.round(fw * fit));
      const resizedHeight = Math.max(1, Math.round(fh * fit));
      return {
        inputWidth: roundUp(resizedWidth, stride),
        inputHeight: roundUp(resizedHeight, stride),
        resizedWidth,
        resizedHeight,
        scaleX: resizedWidth / fw,
        scaleY: resizedHeight / fh,
      };
    }
    case 'none': {
      const target = size ?? { width: fw, height: fh };
      if (target.width !== fw || target.height !== fh) {
        throw new ArcEdgeError('INVALID_ARGUMENT', `model input ${spec.name} takes exactly ${target.width}x${target.height}; got a ${fw}x${fh} frame`, {
          fix: 'crop or resize the frame to the model input size first',
        });
      }
      return { inputWidth: fw, inputHeight: fh, resizedWidth: fw, resizedHeight: fh, scaleX: 1, scaleY: 1 };
    }
  }
}

/**
 * Letterbox of a frame so small that fitting it would upscale it more than `maxUpscale`: it is
 * scaled by exactly `maxUpscale`. A model with dynamic spatial axes then gets an input just big
 * enough (rounded up to its stride), cheaper than the full size; a fixed-shape one gets the
 * rest of its input as padding.
 */
function cappedLetterbox(frame: Size, target: Size, spec: InputSpec, maxUpscale: number): InputPlan {
  const resizedWidth = Math.max(1, Math.min(target.width, Math.round(frame.width * maxUpscale)));
  const resizedHeight = Math.max(1, Math.min(target.height, Math.round(frame.height * maxUpscale)));
  const stride = spec.stride ?? 32;
  const dynamic = fixedInputSize(spec) === undefined;
  return {
    inputWidth: dynamic ? Math.min(target.width, roundUp(resizedWidth, stride)) : target.width,
    inputHeight: dynamic ? Math.min(target.height, roundUp(resizedHeight, stride)) : target.height,
    resizedWidth,
    resizedHeight,
    scaleX: resizedWidth / frame.width,
    scaleY: resizedHeight / frame.height,
  };
}

function requireSize(size: Size | undefined, spec: InputSpec): Size {
  if (!size) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `input ${spec.name} uses resize "${spec.resize}" but no input size is known`, {
      fix: 'give the manifest a fixed input shape or input.size, or pass options.inputSize',
    });
  }
  return size;
}

/**
 * The input size a model wants: an explicit override, else the fixed spatial dims of the
 * declared shape, else manifest `input.size`. Fixed dims win over an override that
 * disagrees, because a fixed-shape graph rejects any other size.
 */
export function modelInputSize(spec: InputSpec, override: Size | undefined): Size | undefined {
  const fixed = fixedInputSize(spec);
  if (fixed && override && (override.width !== fixed.width || override.height !== fixed.height)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `input ${spec.name} is fixed at ${fixed.width}x${fixed.height}; inputSize ${override.width}x${override.height} cannot be used`, {
      fix: 'drop inputSize, or use a model exported with dynamic height/width',
    });
  }
  return fixed ?? override ?? spec.size;
}

/** The spatial size a fixed-shape graph declares; undefined when either axis is dynamic. */
export function fixedInputSize(spec: InputSpec): Size | undefined {
  const [h, w] = spec.layout === 'nchw' ? [spec.shape[2], spec.shape[3]] : [spec.shape[1], spec.shape[2]];
  return typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? { width: w, height: h } : undefined;
}
