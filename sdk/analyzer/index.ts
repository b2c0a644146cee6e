/** The one-call pipeline: image in, faces with quality, liveness and embeddings out. */
export { createFaceAnalyzer } from './analyzer.ts';
export { AnalyzerOptionsSchema, ANALYZER_DEFAULTS } from './options.ts';
export type { FaceAnalyzerOptions, ResolvedModel, ResolvedModelList } from './options.ts';
export { MIN_IMAGE_SIDE_PX } from './input.ts';
export { STAGES } from './types.ts';
export type { AnalyzeInput, AnalyzerStats, Face, FaceAnalyzer, Stage } from './types.ts';
