/**
 * The gallery: who is enrolled, with which templates and crops, and the open-set decision.
 * SQLite (better-sqlite3, loaded lazily) underneath; see docs/gallery.md.
 */
export { openGallery, GalleryOptionsSchema } from './open.ts';
export { galleryModelOf, reembedderOf } from './from-pipeline.ts';
export { GALLERY_DEFAULTS } from './defaults.ts';
export type * from './types.ts';
export { enrollPhotos, identifyPhoto, faceCountError, judgeEnrollFaces } from './photos.ts';
export type { PhotoInput, PhotoRejection, RejectedPhoto, PhotoVerdict, EnrollPhotosOptions, EnrollPhotosResult, IdentifiedFace } from './photos.ts';
export { recommendThresholds, pairScores, CALIBRATION_FARS } from './calibrate.ts';
export type { Calibration, ThresholdRecommendation, LabelledEmbedding } from './calibrate.ts';
export { exportGallery, importGallery, readExportHeader } from './transfer.ts';
export type { ExportSummary, ImportSummary } from './transfer.ts';
export { openSqliteDatabase } from './sqlite.ts';
export type { Database as SqliteDatabase } from './sqlite.ts';
