/**
 * arcedge SDK: the whole public surface. Detect faces, align them to the ArcFace template,
 * embed them, judge their quality and liveness, and compare embeddings; resolve and verify
 * model files; run models on onnxruntime (CPU/CUDA) or the native TensorRT backend.
 * Nothing outside this file is part of the API.
 */

// Errors: every SDK failure is an ArcEdgeError with a stable `code` and a `fix`.
// SDK_ERROR_CODES is the SDK's table of codes with their meaning and typical fix; docs/errors.md
// lists them with the agent's and the CLI's.
export { ArcEdgeError, isArcEdgeError, SDK_ERROR_CODES, errorTable, type ArcEdgeErrorCode } from './errors.ts';

// The one-call pipeline: image -> faces { box, score, landmarks, quality, liveness?, embedding }.
export { createFaceAnalyzer, AnalyzerOptionsSchema, ANALYZER_DEFAULTS, STAGES } from './analyzer/index.ts';
export type { AnalyzeInput, AnalyzerStats, Face, FaceAnalyzer, FaceAnalyzerOptions, Stage } from './analyzer/index.ts';

// The same stages opened up, sharing loaded sessions: detect every frame, embed only some faces,
// re-embed stored crops (stages: ['embed']), align calibration crops (stages: ['detect']).
export { createFacePipeline } from './analyzer/index.ts';
export type { FacePipeline, FacePipelineOptions, PipelineStage, ModelRole, PreparedFrame } from './analyzer/index.ts';

// Images: decode (JPEG/PNG/GIF/WebP/PGM/BMP, EXIF-aware) into BGR frames; encode; geometry.
export { createFrame, decodeImage, readImage, cropFrame, fillPolygons, insidePolygon, meanGrey, SUPPORTED_FORMATS } from './image/index.ts';
export type { AffineMatrix, Frame, DecodeOptions, ImageFormat, MaskPolygon } from './image/index.ts';
export { encodeJpeg, encodePng, resizeFrame, warpAffine, drawAnnotations, DECODE_DEFAULTS } from './image/index.ts';
export type { AlphaPolicy, PixelRect, Annotation, Interpolation } from './image/index.ts';

// Stages, for callers who compose their own pipeline.
export {
  createDetector,
  ScrfdDetector,
  YunetDetector,
  UltraFaceDetector,
  Landmark68,
  fivePointsFrom68,
  DetectorOptionsSchema,
  selectFaces,
  intersectionOverUnion,
  selectSubject,
  subjectScore,
  SUBJECT_RULES,
  DEFAULT_SUBJECT_RULE,
} from './detect/index.ts';
export type {
  Box,
  Detection,
  DetectOptions,
  FaceDetector,
  FivePoints,
  Point,
  DetectorOptions,
  LandmarkModel,
  SelectOptions,
  SubjectRule,
} from './detect/index.ts';
export { alignFace, arcfaceTemplate, ARCFACE_TEMPLATE_112, estimateSimilarity, applyAffine, invertAffine } from './align/index.ts';
export type { AlignedFace } from './align/index.ts';
export { createEmbedder, compare, l2Normalize } from './embed/index.ts';
export type { Embedder, EmbedderOptions } from './embed/index.ts';
export { assessQuality, estimatePose, QUALITY_DEFAULTS, describeQualityReason } from './quality/index.ts';
export type { QualityMetrics, QualityReason, QualityThresholds, QualityVerdict, PoseDeg } from './quality/index.ts';
export { createLivenessScorer } from './liveness/index.ts';
export type { LivenessScorer } from './liveness/index.ts';

// Models: registry of named sets, resolver (search path -> cache -> fetch, sha256-verified).
export {
  listModelSets,
  getModelSet,
  findManifestBySha256,
  resolveModel,
  resolveModelSet,
  verifyModelSet,
  checkModelIo,
  manifestTemplate,
  ModelManifestSchema,
  ModelSetSchema,
  ProbeRecordSchema,
} from './models/index.ts';
export type {
  ModelManifest,
  ProbeRecord,
  ProbeResult,
  ModelSet,
  ModelSource,
  ResolveOptions,
  ResolveEvent,
  ResolvedModel,
  ResolvedModelSet,
  ModelSetReport,
} from './models/index.ts';

// Inference backends behind one interface.
// Options are zod schemas (unknown keys rejected); SESSION_DEFAULTS holds every default once.
export { loadSession, probeBackends, createTensor, zerosTensor, SessionOptionsSchema, TensorRtOptionsSchema, SESSION_DEFAULTS } from './runtime/index.ts';
export type {
  InferenceSession,
  InferenceBackend,
  SessionOptions,
  TensorRtOptions,
  ProfileShape,
  Tensor,
  TensorInfo,
  TensorType,
  ExecutionTarget,
  Precision,
  BackendProbe,
  SessionStats,
} from './runtime/index.ts';

// Wire formats of the agent (MQTT topics, event/status/command/reply payloads as zod schemas,
// JSON Schemas for other languages): shared by the agent, the tools and subscribers.
export {
  deviceTopics,
  commandNameOf,
  TOPIC_ROOT,
  ID_PATTERN,
  COMMAND_NAMES,
  INVALID_REQUEST_ID,
  MAX_COMMAND_BYTES,
  RecognitionEventSchema,
  DeviceStatusSchema,
  CameraStatusSchema,
  MetricsSchema,
  CommandReplySchema,
  ReplyErrorSchema,
  COMMAND_SCHEMAS,
  TransferCommandSchema,
  TRANSFER_KINDS,
  TRANSFER_ID_PATTERN,
  MAX_CHUNK_BYTES,
  EVENT_TYPES,
  CAMERA_STATES,
  DEVICE_PHASES,
  PROTOCOL_SCHEMAS,
  protocolJsonSchema,
  EventsQuerySchema,
  EventsCommandSchema,
  StoredEventSchema,
  EventsPageSchema,
} from './protocol/index.ts';
export type {
  DeviceTopics,
  CommandName,
  RecognitionEvent,
  EventIdentity,
  DeviceStatus,
  CameraStatus,
  CameraState,
  DevicePhase,
  Metrics,
  CommandReply,
  EnrollCommand,
  ForgetCommand,
  SnapshotCommand,
  TransferCommand,
  TransferKind,
  EventsQuery,
  StoredEvent,
  EventsPage,
} from './protocol/index.ts';

// Search (pure): exact top-k over a contiguous float32/float16/int8 matrix, per-identity
// aggregation (best or trimmed mean), and the open-set decision (identity or unknown).
export { MatchIndex, EmbeddingMatrix, decideOpenSet, topK, EMBEDDING_STORAGES, AGGREGATIONS } from './match/index.ts';
export type { EmbeddingStorage, Aggregation, TemplateHit, IdentityScore, OpenSetOptions, OpenSetDecision, DecisionReason, MatchIndexOptions } from './match/index.ts';

// Gallery: persistent identities and templates (with aligned crops) in SQLite, identify(),
// threshold metadata, atomic re-embedding into a new generation. docs/gallery.md.
export { openGallery, GalleryOptionsSchema, GALLERY_DEFAULTS, galleryModelOf, reembedderOf, enrollPhotos, identifyPhoto, judgeEnrollFaces } from './gallery/index.ts';
export { recommendThresholds, pairScores, CALIBRATION_FARS, exportGallery, importGallery, readExportHeader } from './gallery/index.ts';
export type { Calibration, ThresholdRecommendation, LabelledEmbedding, ExportSummary, ImportSummary } from './gallery/index.ts';
export type {
  Gallery,
  GalleryOptions,
  GalleryModel,
  GalleryMetadata,
  Identity,
  IdentityRef,
  IdentityDetails,
  TemplateInfo,
  TemplateInput,
  TemplateRecord,
  EnrollTarget,
  EnrollOptions,
  EnrollResult,
  SkippedTemplate,
  IdentifyOptions,
  IdentifyResult,
  RankedIdentity,
  ThresholdSetting,
  ThresholdSource,
  Reembedder,
  ReembedOptions,
  ReembedProgress,
  ReembedResult,
  GenerationInfo,
  PhotoInput,
  PhotoRejection,
  RejectedPhoto,
  PhotoVerdict,
  EnrollPhotosOptions,
  EnrollPhotosResult,
  IdentifiedFace,
} from './gallery/index.ts';

// Model packages: signed (Ed25519) directories with hashes and a golden self-test.
export {
  ModelPackageManifestSchema,
  verifyPackage,
  generateSigningKeys,
  signBytes,
  runPackageSelfTest,
  formatSha256Sums,
  PACKAGE_MANIFEST,
  PACKAGE_SIGNATURE,
  PACKAGE_SUMS,
} from './package/index.ts';
export type { ModelPackageManifest, PackageFile, VerifiedPackage, TrustedKeys, SigningKeys, SelfTestResult } from './package/index.ts';
