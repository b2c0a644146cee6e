/**
 * The one internal entry for arcedge's own host tools (tools/): things a CLI needs that an
 * application embedding the SDK should not build on (cache layout, backend probing helpers).
 * tools/ imports the SDK through sdk/index.ts or this file only; examples/ and agent/ through
 * sdk/index.ts only. test/public-surface.test.ts enforces both and pins this list.
 */
export { arcedgeHome, cachedModelPath, modelSearchPath } from './models/index.ts';
export { ALL_TARGETS, openSessionCount, zeroFeeds } from './runtime/index.ts';
export { defaultCacheDir as defaultEngineCacheDir } from './runtime/engine-cache.ts';
// arcedge quantize: model inputs written exactly as the embedder writes them (calibration feeds).
export { inputGeometry, writeInputSample } from './embed/index.ts';
export { sha256File, sha256Hex } from './storage/sha256.ts';
