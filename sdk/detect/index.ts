/**
 * Face detection: manifest-driven detectors that return boxes, scores and the 5 ArcFace
 * landmarks in frame pixels.
 */
export type { Box, Detection, DetectOptions, FaceDetector, FivePoints, Point } from './types.ts';
/** The one entry point: picks SCRFD / YuNet / UltraFace(+68 landmarks) from manifest.family. */
export { createDetector } from './create-detector.ts';
export { ScrfdDetector } from './scrfd.ts';
export { YunetDetector } from './yunet.ts';
export { UltraFaceDetector } from './ultraface.ts';
export { Landmark68, fivePointsFrom68 } from './landmark68.ts';
export { DetectorOptionsSchema, type DetectorOptions, type LandmarkModel } from './options.ts';
/** Greedy NMS and IoU, for callers that merge detections (e.g. tiles, several models). */
export { intersectionOverUnion, selectFaces, type SelectOptions } from './nms.ts';
/** One face per image: insightface's area-minus-centre-offset rule, or the largest, or all. */
export { selectSubject, subjectScore, SUBJECT_RULES, DEFAULT_SUBJECT_RULE, type SubjectRule } from './subject.ts';
