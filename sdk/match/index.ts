/**
 * Pure search: no I/O, no models. Exact scans over a contiguous matrix (float32, float16 or
 * int8), per-identity aggregation (best template or trimmed mean), and the open-set decision
 * (identity or unknown, by threshold and margin). sdk/gallery/ builds on it.
 */
export { EMBEDDING_STORAGES, AGGREGATIONS } from './types.ts';
export type { EmbeddingStorage, Aggregation, TemplateHit, IdentityScore, OpenSetOptions, OpenSetDecision, DecisionReason } from './types.ts';
export { EmbeddingMatrix, type EmbeddingMatrixOptions } from './matrix.ts';
export { MatchIndex, type MatchIndexOptions } from './match-index.ts';
export { topK } from './top-k.ts';
export { decideOpenSet } from './decide.ts';
export { rankIdentities } from './aggregate.ts';
export { toHalf, fromHalf } from './float16.ts';
