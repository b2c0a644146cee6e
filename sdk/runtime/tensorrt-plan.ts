/**
 * What TensorRT (and its DLA cores) accept, decided in TypeScript before the addon is called, so
 * every refusal is an ArcEdgeError that names the value and the fix, and is testable without a
 * GPU. The addon (sdk/native/tensorrt/src) checks the same limits again for direct callers.
 */
import { ArcEdgeError } from '../errors.ts';
import { elementCount } from './tensor.ts';
import type { ProfileShape, Tensor, TensorInfo } from './types.ts';

/** nvinfer1::Dims::MAX_DIMS: TensorRT tensors have at most 8 axes (NvInferRuntimeBase.h). */
export const TENSORRT_MAX_RANK = 8;

export interface BuildProfile {
  readonly minBatch: number;
  readonly optBatch: number;
  readonly maxBatch: number;
  readonly inputShapes: Readonly<Record<string, ProfileShape>>;
  /** true when the engine runs only the shapes it was built for (DLA: min = opt = max). */
  readonly exactShapes: boolean;
}

export interface ProfileRequest {
  /** -1 for the GPU. */
  readonly dlaCore: number;
  readonly optBatch: number;
  readonly maxBatch: number;
  readonly inputShapes: Readonly<Record<string, ProfileShape>>;
}

const isBatch = (n: number): boolean => Number.isInteger(n) && n >= 1;
const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The optimisation profile to build. On the GPU the dynamic batch axis spans [1, optBatch,
 * maxBatch]. On a DLA core it is static at optBatch: "DLA does not support dynamic dimensions,
 * so the profile's min, max, and opt values must be equal" (TensorRT developer guide, DLA
 * Supported Layers and Restrictions); a dynamic profile there sends the whole network to the
 * GPU under kGPU_FALLBACK without an error. Explicit inputShapes must then be static too.
 */
export function planBuildProfile(request: ProfileRequest): BuildProfile {
  const problems: string[] = [];
  const { dlaCore, optBatch, maxBatch, inputShapes } = request;
  if (!isBatch(optBatch)) problems.push(`tensorrt.optBatch must be an integer >= 1, got ${optBatch}`);
  if (!isBatch(maxBatch)) problems.push(`maxBatch must be an integer >= 1, got ${maxBatch}`);
  if (dlaCore < 0 && isBatch(optBatch) && isBatch(maxBatch) && optBatch > maxBatch) {
    problems.push(`tensorrt.optBatch ${optBatch} is above maxBatch ${maxBatch}`);
  }
  for (const [name, shape] of Object.entries(inputShapes)) {
    const { min, opt, max } = shape;
    const ranks = [min.length, opt.length, max.length];
    if (ranks.some((rank) => rank > TENSORRT_MAX_RANK)) {
      problems.push(`tensorrt.inputShapes.${name} has rank ${Math.max(...ranks)}; TensorRT tensors have at most ${TENSORRT_MAX_RANK} axes`);
      continue;
    }
    if (min.length !== opt.length || opt.length !== max.length) {
      problems.push(`tensorrt.inputShapes.${name}: min, opt and max have different ranks (${ranks.join(', ')})`);
      continue;
    }
    if ([...min, ...opt, ...max].some((d) => !isBatch(d))) {
      problems.push(`tensorrt.inputShapes.${name}: every dimension must be an integer >= 1`);
      continue;
    }
    if (min.some((d, i) => d > opt[i]! || opt[i]! > max[i]!)) {
      problems.push(`tensorrt.inputShapes.${name}: need min <= opt <= max on every axis, got min [${min.join(', ')}] opt [${opt.join(', ')}] max [${max.join(', ')}]`);
      continue;
    }
    if (dlaCore >= 0 && !(sameDims(min, opt) && sameDims(opt, max))) {
      problems.push(`tensorrt.inputShapes.${name}: DLA core ${dlaCore} runs static shapes only, so min, opt and max must be equal (got min [${min.join(', ')}] max [${max.join(', ')}])`);
    }
  }
  if (problems.length > 0) {
    throw new ArcEdgeError('CONFIG_INVALID', `bad TensorRT profile options:\n  - ${problems.join('\n  - ')}`, {
      fix:
        dlaCore >= 0
          ? 'on DLA give one shape per input (min = opt = max) and the batch in tensorrt.optBatch'
          : 'give 1 <= tensorrt.optBatch <= maxBatch and, per input, min <= opt <= max with at most 8 axes',
      details: { problems },
    });
  }
  if (dlaCore >= 0) return { minBatch: optBatch, optBatch, maxBatch: optBatch, inputShapes, exactShapes: true };
  return { minBatch: 1, optBatch, maxBatch, inputShapes, exactShapes: false };
}

/** A DLA core index must name a core TensorRT reports (0..dlaCores-1); -1 is the GPU. */
export function checkDlaCore(dlaCore: number, dlaCores: number): void {
  if (dlaCore === -1) return;
  if (!Number.isInteger(dlaCore) || dlaCore < -1 || dlaCore >= dlaCores) {
    throw new ArcEdgeError(
      'CONFIG_INVALID',
      `tensorrt.dlaCore ${dlaCore} is not a DLA core of this device: TensorRT reports ${dlaCores} DLA core${dlaCores === 1 ? '' : 's'}`,
      {
        fix: dlaCores > 0 ? `use a core from 0 to ${dlaCores - 1}, or leave tensorrt.dlaCore out to run on the GPU` : 'leave tensorrt.dlaCore out: this device has no DLA (AGX Xavier, AGX Orin and Orin NX have 1-2)',
        details: { dlaCore, dlaCores },
      },
    );
  }
}

/**
 * The exact shapes a static (DLA) engine runs, per input: the model's fixed axes, the explicit
 * profile shape, else the batch in place of a dynamic leading axis. "The runtime dimensions
 * must be the same as the dimensions used for building" on DLA (same guide section).
 */
export function staticRunShapes(inputs: readonly TensorInfo[], profile: BuildProfile): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const info of inputs) {
    const explicit = profile.inputShapes[info.name];
    shapes[info.name] = explicit
      ? [...explicit.opt]
      : info.shape.map((dim, axis) => (typeof dim === 'number' && dim >= 0 ? dim : axis === 0 ? profile.optBatch : -1));
  }
  return shapes;
}

/**
 * Feed checks on top of validateFeeds that only TensorRT needs: no empty input (enqueueV3
 * needs a non-null device address for every input, and a zero-byte buffer has none), at most 8
 * axes, and on a static engine exactly the built shape.
 */
export function checkTensorRtFeeds(
  modelPath: string,
  feeds: Readonly<Record<string, Tensor>>,
  runShapes?: Readonly<Record<string, readonly number[]>>,
): void {
  const problems: string[] = [];
  for (const [name, tensor] of Object.entries(feeds)) {
    if (tensor.dims.length > TENSORRT_MAX_RANK) {
      problems.push(`input "${name}" has rank ${tensor.dims.length}; TensorRT tensors have at most ${TENSORRT_MAX_RANK} axes`);
      continue;
    }
    if (elementCount(tensor.dims) === 0) {
      problems.push(`input "${name}" is empty ([${tensor.dims.join(', ')}]); TensorRT cannot run an empty input`);
      continue;
    }
    const want = runShapes?.[name];
    if (want && !sameDims(want, tensor.dims)) {
      problems.push(`input "${name}" is [${tensor.dims.join(', ')}]; this DLA engine was built for exactly [${want.join(', ')}]`);
    }
  }
  if (problems.length > 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `bad feeds for TensorRT (${modelPath}):\n  - ${problems.join('\n  - ')}`, {
      fix: runShapes
        ? 'skip the run when there is nothing to feed, and feed a DLA engine its built shape (split or pad the batch to tensorrt.optBatch)'
        : 'skip the run when there is nothing to feed (e.g. no faces found)',
      details: { modelPath, problems },
    });
  }
}
