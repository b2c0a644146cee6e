/** Recognition: aligned crops -> L2-normalised embeddings, and cosine comparison. */
export { createEmbedder, EMBEDDER_DEFAULTS } from './embedder.ts';
export type { Embedder, EmbedderOptions } from './embedder.ts';
export { compare, l2Normalize } from './vector.ts';
export { inputGeometry, writeInputSample, batchDims } from './input-tensor.ts';
export type { InputGeometry } from './input-tensor.ts';
