/**
 * Backend-neutral tensor helpers: construction with checks, zero feeds for warm-up, and the
 * feed validation every backend runs first, so a wrong feed fails with the same message on
 * onnxruntime and TensorRT (the runtimes' own messages differ and rarely name the model).
 */
import { ArcEdgeError } from '../errors.ts';
import type { InferenceSession, Tensor, TensorData, TensorInfo, TensorType } from './types.ts';

const CONSTRUCTORS = {
  float32: Float32Array,
  // float16 travels as raw IEEE half bits: Node 20 has no Float16Array.
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const satisfies Record<TensorType, new (length: number) => TensorData>;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

export function bytesPerElement(type: TensorType): number {
  return CONSTRUCTORS[type].BYTES_PER_ELEMENT;
}

/** Builds a tensor, checking that the typed array matches the type and holds exactly dims' elements. */
export function createTensor(type: TensorType, data: TensorData, dims: readonly number[]): Tensor {
  if (!(data instanceof CONSTRUCTORS[type])) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `a ${type} tensor needs a ${CONSTRUCTORS[type].name}, got ${data.constructor.name}`);
  }
  if (dims.some((dim) => !Number.isInteger(dim) || dim < 0)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `tensor dims must be non-negative integers, got [${dims.join(', ')}]`);
  }
  if (elementCount(dims) !== data.length) {
    throw new ArcEdgeError(
      'INVALID_ARGUMENT',
      `tensor dims [${dims.join(', ')}] hold ${elementCount(dims)} elements but the data has ${data.length}`,
    );
  }
  return { type, data, dims: [...dims] };
}

/** A tensor of the given type and dimensions filled with zeros. */
export function zerosTensor(type: TensorType, dims: readonly number[]): Tensor {
  return createTensor(type, new CONSTRUCTORS[type](elementCount(dims)), dims);
}

/**
 * A concrete shape for a declared one: a symbolic/unknown leading axis is the batch (1); other
 * unknown axes of a 4-D NCHW input are image sides, and 640 is what the bundled detectors
 * (SCRFD, YuNet) are normally run at; anything else unknown becomes 1.
 */
export function concreteShape(info: TensorInfo): number[] {
  return info.shape.map((dim, axis) => {
    if (typeof dim === 'number' && dim > 0) return dim;
    if (axis === 0) return 1;
    return info.shape.length === 4 && axis >= 2 ? 640 : 1;
  });
}

export function zeroFeeds(inputs: readonly TensorInfo[]): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const info of inputs) {
    feeds[info.name] = zerosTensor(info.type === 'unknown' ? 'float32' : info.type, concreteShape(info));
  }
  return feeds;
}

/** Throws INVALID_ARGUMENT naming every problem with the feeds at once (missing, unknown, type, rank, fixed dims). */
/**
 * The largest batch a session takes: a fixed leading axis is its own limit; a dynamic one is
 * limited by `maxBatch` (SessionOptions; Infinity when the runtime has no limit of its own).
 */
export function batchLimitOf(inputs: readonly TensorInfo[], maxBatch: number): number {
  const axis = inputs[0]?.shape[0];
  return typeof axis === 'number' && axis > 0 ? axis : maxBatch;
}

export function validateFeeds(
  modelPath: string,
  inputs: readonly TensorInfo[],
  feeds: Readonly<Record<string, Tensor>>,
  batchLimit = Number.POSITIVE_INFINITY,
): void {
  const problems: string[] = [];
  for (const info of inputs) {
    const tensor = feeds[info.name];
    if (!tensor) {
      problems.push(`input "${info.name}" is missing`);
      continue;
    }
    if (info.type !== 'unknown' && tensor.type !== info.type) problems.push(`input "${info.name}" is ${tensor.type}, the model wants ${info.type}`);
    if (tensor.dims.length !== info.shape.length) {
      problems.push(`input "${info.name}" has rank ${tensor.dims.length} [${tensor.dims.join(', ')}], the model wants [${info.shape.join(', ')}]`);
      continue;
    }
    info.shape.forEach((dim, axis) => {
      if (typeof dim === 'number' && dim > 0 && tensor.dims[axis] !== dim) {
        problems.push(`input "${info.name}" axis ${axis} is ${tensor.dims[axis]}, the model fixes it at ${dim}`);
      }
    });
    const batch = tensor.dims[0];
    if (typeof info.shape[0] !== 'number' || info.shape[0] <= 0) {
      if (batch !== undefined && batch > batchLimit) {
        problems.push(`input "${info.name}" has batch ${batch}, above this session's limit of ${batchLimit} (SessionOptions.maxBatch)`);
      }
    }
    if (elementCount(tensor.dims) !== tensor.data.length) {
      problems.push(`input "${info.name}" dims [${tensor.dims.join(', ')}] do not match its ${tensor.data.length} elements`);
    }
  }
  const known = new Set(inputs.map((info) => info.name));
  for (const name of Object.keys(feeds)) if (!known.has(name)) problems.push(`"${name}" is not an input of this model`);
  if (problems.length > 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `bad feeds for ${modelPath}:\n  - ${problems.join('\n  - ')}`, {
      fix: `feed exactly these inputs: ${inputs.map((i) => `${i.name} ${i.type} [${i.shape.join(', ')}]`).join('; ')}`,
      details: { modelPath, problems },
    });
  }
}

/**
 * Tensor memory a model stage (detector, embedder) reuses from call to call. Fresh memory is
 * the expensive part of preprocessing here: the first write to a new 4.9 MB array (640x640x3 float32) page-faults
 * 1200 times, which measured ~4.5 ms on the dev VM against ~0.3 ms for writing the same
 * amount into an array already in use (glibc hands large freed blocks back to the kernel, so a
 * new array is new pages every time; the embedder's 150 KB per face crosses the same mmap
 * threshold). One pool per stage; a buffer is out from take() until its `release()`, so
 * concurrent calls never share one: release only once the run reading it has finished.
 */
export class InputBuffers {
  private readonly free: Float32Array[] = [];

  /** At most `keep` idle buffers are held (one per call expected to overlap). */
  constructor(private readonly keep = 2) {}

  /** An array of exactly `length` floats holding stale values (the caller overwrites them all), and its release. */
  take(length: number): { data: Float32Array; release: () => void } {
    // The smallest idle buffer that fits; dynamic-size inputs (YuNet pad) use a prefix view.
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i]!.length >= length && (best < 0 || this.free[i]!.length < this.free[best]!.length)) best = i;
    }
    const base = best >= 0 ? this.free.splice(best, 1)[0]! : new Float32Array(length);
    let released = false;
    return {
      data: base.length === length ? base : base.subarray(0, length),
      release: () => {
        if (released) return;
        released = true;
        this.free.push(base);
        // Keep the largest: a smaller one is never picked while a larger idle one fits.
        if (this.free.length > this.keep) this.free.sort((a, b) => b.length - a.length).length = this.keep;
      },
    };
  }
}

/**
 * Runs the model once on zeros so the first real call does not pay for lazy allocations,
 * then zeroes the stats (warm-up is not part of benchmark numbers). A failed warm-up
 * releases the session before rethrowing: the caller never receives it.
 */
export async function warmUp<S extends InferenceSession>(session: S): Promise<S> {
  try {
    await session.run(zeroFeeds(session.inputs));
  } catch (cause) {
    await session.dispose();
    throw cause;
  }
  session.stats.runs = 0;
  session.stats.totalRunMs = 0;
  return session;
}
