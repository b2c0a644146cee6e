/**
 * sdk/models: model manifests, the registry of known sets, and the resolver that turns a set
 * name (or local:<dir>) into verified files on disk. Nothing outside this folder imports its
 * internals (tar/zip readers, download, cache layout).
 */
export {
  ModelManifestSchema,
  ModelSetSchema,
  ModelSourceSchema,
  InputSpecSchema,
  OutputSpecSchema,
  MODEL_TASKS,
  MODEL_FAMILIES,
  ProbeRecordSchema,
} from './manifest.ts';
export type { ModelManifest, ModelSet, ModelSource, InputSpec, OutputSpec, ProbeRecord, ProbeResult, RecommendedThreshold } from './manifest.ts';
export { listModelSets, getModelSet, findManifestBySha256, parseModelSet, parseModelManifest, registryDir } from './registry.ts';
export { resolveModel, locateModel, modelSearchPath } from './resolver.ts';
export type { ResolveOptions, ResolveEvent, ResolvedModel, ModelOrigin } from './resolver.ts';
export { resolveModelSet, verifyModelSet, isLocalSet } from './model-set.ts';
export type { ResolvedModelSet, ModelSetReport, VerifiedModel, VerifyStatus } from './model-set.ts';
export { manifestTemplate, LOCAL_PREFIX } from './local-set.ts';
export { checkModelIo, ioProblems } from './io-check.ts';
export { arcedgeHome, cachedModelPath } from './cache.ts';
export { npmRegistry } from './fetch-npm.ts';
export type { FetchFunction } from './download.ts';
