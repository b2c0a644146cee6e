/** The one-call pipeline: image in, faces with quality, liveness and embeddings out. */
export { createFaceAnalyzer } from './analyzer.ts';
export { createFacePipeline } from './pipeline.ts';
export type { FacePipeline, FacePipelineOptions } from './pipeline.ts';
export type { PipelineStage, ModelRole } from './load-models.ts';
export type { PreparedFrame } from './input.ts';
export { AnalyzerOptionsSchema, ANALYZER_DEFAULTS } from './options.ts';
export type { FaceAnalyzerOptions, ResolvedModel, ResolvedModelList } from './options.ts';
export { MIN_IMAGE_SIDE_PX } from './input.ts';
export { STAGES } from './types.ts';
export type { AnalyzeInput, AnalyzerStats, Face, Stage } from './types.ts';
export type { FaceAnalyzer } from './analyzer.ts';
