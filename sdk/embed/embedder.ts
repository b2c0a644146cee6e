/**
 * The recognition stage: aligned 112x112 BGR crops in, unit-length embeddings out.
 * Preprocessing (colour order, mean/std, layout) comes from the manifest; batching follows the
 * model's declared batch axis (dynamic: one run per chunk of at most min(chunkSize, the session's
 * batchLimit) crops; fixed 1: one run per crop).
 */
import type { Frame } from '../image/frame.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { InputBuffers } from '../runtime/tensor.ts';
import type { InferenceSession, Tensor } from '../runtime/types.ts';
import { ArcEdgeError } from '../errors.ts';
import { batchDims, inputGeometry, writeInputSample } from './input-tensor.ts';
import { l2Normalize } from './vector.ts';

/** Options of createEmbedder. */
export interface EmbedderOptions {
  /**
   * Test-time augmentation: embed the crop and its horizontal mirror, sum, then L2-normalise
   * (insightface's "flip test"). Twice the model time; a small accuracy gain. Default false.
   */
  readonly flipTTA?: boolean;
  /**
   * Crops per run when the model's batch axis is dynamic. Default 16. Never above the
   * session's own `batchLimit` (SessionOptions.maxBatch, the TensorRT profile max): the
   * embedder takes the smaller of the two.
   */
  readonly chunkSize?: number;
}

/** Turns aligned crops into L2-normalised embeddings with one recognizer model. */
export interface Embedder {
  readonly modelId: string;
  /** Length of every embedding. */
  readonly size: number;
  /** Input size crops must have (112x112 for ArcFace models). */
  readonly cropSize: { readonly width: number; readonly height: number };
  /** True when several crops go through the model in one run. */
  readonly batched: boolean;
  /** One L2-normalised embedding per crop, in order. */
  embed(crops: readonly Frame[]): Promise<Float32Array[]>;
  /**
   * The same, each with the L2 norm of the raw output before normalisation: for ArcFace-family
   * models a known quality proxy (low norm = a face the model is unsure of; `arcedge eval` ERC).
   */
  embedWithNorms(crops: readonly Frame[]): Promise<{ embedding: Float32Array; norm: number }[]>;
  /** Releases the session (the embedder owns it); idempotent. */
  dispose(): Promise<void>;
}

export const EMBEDDER_DEFAULTS = { flipTTA: false, chunkSize: 16 } as const satisfies Required<EmbedderOptions>;

/** The graph output holding the embedding, per the manifest's output spec. */
export function embeddingOutputName(manifest: ModelManifest, session: InferenceSession): string {
  const name = manifest.outputs.mode === 'by-name' ? manifest.outputs.names?.[0] : session.outputs[0]?.name;
  if (!name) {
    throw new ArcEdgeError('MODEL_IO_MISMATCH', `model ${manifest.id} declares no usable output`, {
      fix: 'set outputs.names (by-name) or make sure the graph has an output',
    });
  }
  return name;
}

/** A batch axis is dynamic when the loaded graph declares it symbolic or -1. */
export function hasDynamicBatch(session: InferenceSession, inputName: string): boolean {
  const info = session.inputs.find((i) => i.name === inputName) ?? session.inputs[0];
  const axis = info?.shape[0];
  return typeof axis === 'string' || axis === -1;
}

/** An Embedder over a loaded session of a task "embed" model, reading its input layout from the manifest. */
export function createEmbedder(manifest: ModelManifest, session: InferenceSession, options: EmbedderOptions = {}): Embedder {
  if (manifest.task !== 'embed' || manifest.embeddingSize === undefined) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `model ${manifest.id} is a ${manifest.task} model, not an embedder`, {
      fix: 'pass the manifest of a task "embed" model (e.g. fr_feature_512, mobilefacenet_paddle_128)',
    });
  }
  const { flipTTA, chunkSize } = { ...EMBEDDER_DEFAULTS, ...options };
  const spec = manifest.input;
  const geometry = inputGeometry(spec);
  const size = manifest.embeddingSize;
  const outputName = embeddingOutputName(manifest, session);
  const batched = hasDynamicBatch(session, spec.name);
  const chunk = batched ? Math.max(1, Math.min(chunkSize, session.batchLimit)) : 1;
  const sampleLength = geometry.channels * geometry.width * geometry.height;
  // 150 KB per 112x112 crop: fresh each call it page-faults (~0.15 ms per face, measured).
  const buffers = new InputBuffers();
  let disposed = false;

  // One run over a list of views (crop + mirror flag); returns their raw embeddings back to back.
  async function runViews(views: readonly View[]): Promise<Float32Array> {
    const n = views.length;
    const { data, release } = buffers.take(n * sampleLength);
    let out: Tensor | undefined;
    try {
      views.forEach((view, i) => writeInputSample(view.crop, spec, data, i, view.flip));
      const feeds: Record<string, Tensor> = { [spec.name]: { type: 'float32', data, dims: batchDims(spec, n) } };
      out = (await session.run(feeds))[outputName];
    } finally {
      release();
    }
    if (!out || !(out.data instanceof Float32Array) || out.data.length !== n * size) {
      throw new ArcEdgeError(
        'MODEL_IO_MISMATCH',
        `model ${manifest.id} returned ${out?.data.length ?? 'no'} values for ${n} crops; expected ${n} x ${size}`,
        {
          fix: 'check embeddingSize and outputs in the model manifest against the ONNX graph',
          details: { output: outputName, dims: out?.dims },
        },
      );
    }
    return out.data;
  }

  async function embedWithNorms(crops: readonly Frame[]): Promise<{ embedding: Float32Array; norm: number }[]> {
    if (disposed) {
      throw new ArcEdgeError('BACKEND_DISPOSED', `embedder ${manifest.id} was disposed`, { fix: 'create a new embedder' });
    }
    // Crop i contributes views i*perCrop .. i*perCrop+perCrop-1; the flip view is summed into the plain one.
    const perCrop = flipTTA ? 2 : 1;
    const views: View[] = crops.flatMap((crop) => (flipTTA ? [{ crop, flip: false }, { crop, flip: true }] : [{ crop, flip: false }]));
    const sums = crops.map(() => new Float32Array(size));
    for (let start = 0; start < views.length; start += chunk) {
      const part = views.slice(start, start + chunk);
      const rows = await runViews(part);
      for (let v = 0; v < part.length; v++) {
        const sum = sums[Math.floor((start + v) / perCrop)]!;
        for (let k = 0; k < size; k++) sum[k]! += rows[v * size + k]!;
      }
    }
    return sums.map((sum) => {
      let sq = 0;
      for (let k = 0; k < size; k++) sq += sum[k]! * sum[k]!;
      return { embedding: l2Normalize(sum), norm: Math.sqrt(sq) / perCrop };
    });
  }

  return {
    modelId: manifest.id,
    size,
    cropSize: { width: geometry.width, height: geometry.height },
    batched,
    async embed(crops) {
      return (await embedWithNorms(crops)).map((e) => e.embedding);
    },
    embedWithNorms,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.dispose();
    },
  };
}

interface View {
  readonly crop: Frame;
  readonly flip: boolean;
}
