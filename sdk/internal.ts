/**
 * The one internal entry for arcedge's own programs (tools/ and agent/): things they need that
 * an application embedding the SDK should not build on (cache layout, backend probing helpers,
 * the MQTT adapter both speak through, the web password hash). tools/ and agent/ import the SDK
 * through sdk/index.ts or this file only; examples/ through sdk/index.ts only.
 * test/public-surface.test.ts enforces that and pins this list.
 */
export { arcedgeHome, cachedModelPath, modelSearchPath } from './models/index.ts';
export { ALL_TARGETS, openSessionCount, zeroFeeds } from './runtime/index.ts';
export { defaultCacheDir as defaultEngineCacheDir } from './runtime/engine-cache.ts';
// arcedge quantize: model inputs written exactly as the embedder writes them (calibration feeds).
export { inputGeometry, writeInputSample } from './embed/index.ts';
export { findOpenCVBinding, opencvBuildDir, OPENCV_BINDING_PACKAGE, OPENCV_BINDING_VERSION } from './image/opencv/index.ts';
export type { BindingCandidate } from './image/opencv/index.ts';
export { sha256File, sha256Hex } from './storage/sha256.ts';
// The MQTT adapter (the only mqtt.js import) and the host's broker options, for agent and tools.
export { connectMqtt, hostConnectionOptions, tlsOptions } from './protocol/mqtt-connection.ts';
export type { BrokerOptions, ConnectionHandlers, ConnectionOptions, MqttConnection } from './protocol/mqtt-connection.ts';
// The web login's scrypt hash: `arcedge web-password` writes it, the agent verifies it.
export { hashPassword, parsePasswordHash, verifyPassword, SCRYPT_DEFAULTS } from './protocol/password-hash.ts';
