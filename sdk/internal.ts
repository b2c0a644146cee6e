/**
 * The one internal entry for arcedge's own programs (tools/ and agent/): things they need that
 * an application embedding the SDK should not build on (cache layout, backend probing helpers,
 * the MQTT adapter both speak through, the web password hash). tools/ and agent/ import the SDK
 * through sdk/index.ts or this file only; examples/ through sdk/index.ts only.
 * test/public-surface.test.ts enforces that and pins this list.
 */
// Error codes by owner: agent/errors.ts and tools/errors.ts declare theirs through these.
export { declareErrorCodes } from './errors.ts';
export type { ErrorCodeOwners, ErrorCodeTable } from './errors.ts';
export { arcedgeHome, cachedModelPath, modelSearchPath } from './models/index.ts';
export { ALL_TARGETS, zeroFeeds } from './runtime/index.ts';
export { defaultCacheDir as defaultEngineCacheDir } from './runtime/engine-cache.ts';
// arcedge quantize: model inputs written exactly as the embedder writes them (calibration feeds).
export { inputGeometry, writeInputSample } from './embed/index.ts';
export { findOpenCVBinding, opencvBuildDir, OPENCV_BINDING_PACKAGE, OPENCV_BINDING_VERSION } from './image/opencv/index.ts';
export type { BindingCandidate } from './image/opencv/index.ts';
export { sha256File, sha256Hex } from './storage/sha256.ts';
// The SQLite adapter (better-sqlite3, the one import of it), for the agent's event history.
export { openSqliteDatabase } from './gallery/index.ts';
export type { SqliteDatabase } from './gallery/index.ts';
// Package archives: written by `arcedge deploy`, unpacked (narrowly) by the agent.
export { createTar, extractTar } from './storage/tar.ts';
export type { ExtractLimits, ExtractResult } from './storage/tar.ts';
// The MQTT adapter (the only mqtt.js import) and the host's broker options, for agent and tools.
export { connectMqtt, hostConnectionOptions, tlsOptions } from './protocol/mqtt-connection.ts';
export type { BrokerOptions, ConnectionHandlers, ConnectionOptions, MqttConnection } from './protocol/mqtt-connection.ts';
// The web login's scrypt hash: `arcedge web-password` writes it, the agent verifies it.
export { hashPassword, parsePasswordHash, verifyPassword, SCRYPT_DEFAULTS } from './protocol/password-hash.ts';
// The device web UI's request and response bodies (agent/web; docs/web-api.md): the agent's own
// HTTP API, not part of the library.
export {
  WEB_BODY_SCHEMAS,
  MAX_WEB_BODY_BYTES,
  WebErrorSchema,
  LoginBodySchema,
  SessionResponseSchema,
  EnrollBodySchema,
  CreatePersonBodySchema,
  PhotoBodySchema,
  RenameBodySchema,
  MergeBodySchema,
  PersonSchema,
  PeopleSchema,
  ForgetResultSchema,
  CameraSummarySchema,
} from './protocol/index.ts';
