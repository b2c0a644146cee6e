import type { Frame } from '../image/frame.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Axis-aligned box in frame pixels. */
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/**
 * The 5 points every detector returns, in insightface's order:
 * left eye, right eye, nose tip, left mouth corner, right mouth corner
 * ("left" = image left, i.e. the subject's right).
 */
export type FivePoints = readonly [Point, Point, Point, Point, Point];

export interface Detection {
  readonly box: Box;
  /** 0..1 */
  readonly score: number;
  readonly landmarks: FivePoints;
  /**
   * The 68 iBUG 300-W points in frame pixels, when the pipeline ran the 68-point landmark model on
   * the face (for the quality gate's pose fit); absent from a bare detector.
   */
  readonly landmarks68?: readonly Point[];
}

export interface DetectOptions {
  /** Override the manifest's score threshold. */
  readonly scoreThreshold?: number;
  /** Keep at most this many faces (highest score first). Default: all. */
  readonly maxFaces?: number;
  /** Drop faces whose box is smaller than this (shorter side, pixels). Default 0. */
  readonly minFaceSizePx?: number;
  /**
   * Faces tracked in the previous video frame (frame pixels): input planning (scale-plan.ts) then
   * sizes the first pass for the smallest of them instead of guessing.
   */
  readonly expectedFaces?: readonly Box[];
  /**
   * FacePipeline.detect only: false skips the 68 pose landmarks of every face. A video loop that
   * aligns few of the faces it detects (a track embeds a handful of frames) adds them with
   * FacePipeline.locatePose() for those; the landmark model then runs per embedded face, not per
   * face per frame. Default true.
   */
  readonly pose?: boolean;
}

export interface FaceDetector {
  /** Faces sorted by score, highest first, in the frame's pixel coordinates. */
  detect(frame: Frame, options?: DetectOptions): Promise<Detection[]>;
  dispose(): Promise<void>;
}
