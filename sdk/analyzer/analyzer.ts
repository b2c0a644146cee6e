/**
 * createFaceAnalyzer: the SDK's one-call pipeline, built on createFacePipeline's stages and
 * read in order:
 *   input -> detect -> align -> quality -> embed (batched across faces) -> liveness.
 * Every face found is returned with its quality verdict; none is dropped for failing it, so the
 * caller decides (enrolment wants strict gates, search can be looser).
 */
import { performance } from 'node:perf_hooks';
import type { Box, Detection, FivePoints } from '../detect/types.ts';
import { ArcEdgeError } from '../errors.ts';
import type { FaceAnalyzerOptions } from './options.ts';
import { createFacePipeline, type FacePipeline } from './pipeline.ts';
import { STAGES, type AnalyzeInput, type AnalyzerStats, type Face, type Stage } from './types.ts';

// Declared beside its one implementation: types.ts stays free of pipeline.ts (no import cycle).
/** What createFaceAnalyzer returns: analyze() images, read stats, dispose() to release the models. */
export interface FaceAnalyzer {
  /** Model ids in use, by role (detect, landmarks, embed, liveness). */
  readonly models: Readonly<Record<string, string>>;
  /** The stages underneath, sharing the analyzer's sessions (detect every frame, embed some). */
  readonly pipeline: FacePipeline;
  /** Every face found, highest detection score first. Never rejects a frame for having no face: returns []. */
  analyze(input: AnalyzeInput): Promise<Face[]>;
  /** Cumulative timings since creation (or the last resetStats()). */
  stats(): AnalyzerStats;
  resetStats(): void;
  /** Waits for running analyze() calls, then releases every session; idempotent. */
  dispose(): Promise<void>;
}

const zeroStages = (): Record<Stage, number> => Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;

function scaleBox(b: Box, sx: number, sy: number): Box {
  return { x1: b.x1 * sx, y1: b.y1 * sy, x2: b.x2 * sx, y2: b.y2 * sy };
}

function scalePoints(points: FivePoints, sx: number, sy: number): FivePoints {
  return points.map((p) => ({ x: p.x * sx, y: p.y * sy })) as unknown as FivePoints;
}

/**
 * Loads the models once and returns an analyzer: image in, every face out with box, landmarks,
 * quality, embedding and, when asked, liveness.
 */
export async function createFaceAnalyzer(options: FaceAnalyzerOptions): Promise<FaceAnalyzer> {
  const pipeline: FacePipeline = await createFacePipeline(options);
  const withLiveness = pipeline.stages.includes('liveness');

  let disposed = false;
  let disposing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  let counters = { calls: 0, faces: 0, totalMs: 0, stageMs: zeroStages() };
  // Runtime counters at the last reset, so stats() reports only what happened since.
  let runBaseline = pipeline.modelStats();

  async function run(input: AnalyzeInput): Promise<Face[]> {
    const stageMs = zeroStages();
    const start = performance.now();
    let t = start;
    const lap = (stage: Stage): void => {
      const now = performance.now();
      stageMs[stage] += now - t;
      t = now;
    };

    const prepared = await pipeline.loadFrame(input, { reduce: true });
    let { frame, scaleX, scaleY } = prepared;
    lap('decode');
    let detections: Detection[] = await pipeline.detect(frame);
    lap('detect');
    if (prepared.reduced && !pipeline.reducedFrameServes(detections)) {
      // A face too small to crop from the reduced JPEG: decode it whole and move the detections
      // there (detection itself saw the same resolution either way: REDUCED_MIN_LONG_SIDE_PX).
      const full = await pipeline.loadFrame(input, { reduce: false });
      const fx = scaleX / full.scaleX;
      const fy = scaleY / full.scaleY;
      detections = detections.map((d) => ({ ...d, box: scaleBox(d.box, fx, fy), landmarks: scalePoints(d.landmarks, fx, fy) }));
      ({ frame, scaleX, scaleY } = full);
      lap('decode');
    }
    // Straight from the whole frame: the OpenCV adapter borrows the frame's bytes (no copy) and
    // warpAffine only visits output pixels, so cutting the face region out first only added a copy.
    const crops = detections.map((d) => pipeline.align(frame, d).crop);
    lap('align');
    // Boxes in the caller's pixels (the frame may have been downscaled): face size is judged on them.
    const boxes = detections.map((d) => scaleBox(d.box, scaleX, scaleY));
    const quality = detections.map((d, i) => pipeline.assessQuality({ ...d, box: boxes[i]! }, crops[i]!));
    lap('quality');
    const embeddings = await pipeline.embed(crops);
    lap('embed');
    const livenessScores = withLiveness ? await pipeline.liveness(frame, detections) : undefined;
    lap('liveness');

    const faces = detections.map((d, i): Face => ({
      box: boxes[i]!,
      score: d.score,
      landmarks: scalePoints(d.landmarks, scaleX, scaleY),
      quality: quality[i]!,
      ...(livenessScores ? { liveness: livenessScores[i]! } : {}),
      embedding: embeddings[i]!,
      crop: crops[i]!,
    }));
    counters.calls += 1;
    counters.faces += faces.length;
    counters.totalMs += performance.now() - start;
    for (const s of STAGES) counters.stageMs[s] += stageMs[s];
    return faces;
  }

  return {
    models: pipeline.models,
    pipeline,
    analyze(input) {
      if (disposed) {
        return Promise.reject(
          new ArcEdgeError('BACKEND_DISPOSED', 'analyze() called after dispose()', {
            fix: 'create a new analyzer with createFaceAnalyzer(); dispose() releases its models for good',
          }),
        );
      }
      const job = run(input);
      inFlight.add(job);
      const settle = () => inFlight.delete(job);
      job.then(settle, settle);
      return job;
    },
    stats(): AnalyzerStats {
      const modelRunMs: Record<string, number> = {};
      const modelRuns: Record<string, number> = {};
      for (const [role, now] of Object.entries(pipeline.modelStats())) {
        const base = runBaseline[role] ?? { runs: 0, totalRunMs: 0 };
        modelRunMs[role] = now.totalRunMs - base.totalRunMs;
        modelRuns[role] = now.runs - base.runs;
      }
      return { calls: counters.calls, faces: counters.faces, totalMs: counters.totalMs, stageMs: { ...counters.stageMs }, modelRunMs, modelRuns };
    },
    resetStats() {
      counters = { calls: 0, faces: 0, totalMs: 0, stageMs: zeroStages() };
      runBaseline = pipeline.modelStats();
    },
    dispose() {
      if (!disposing) {
        disposed = true;
        disposing = (async () => {
          // Let running calls finish (their sessions must stay alive); their errors are theirs.
          await Promise.allSettled([...inFlight]);
          await pipeline.dispose();
        })();
      }
      return disposing;
    },
  };
}
