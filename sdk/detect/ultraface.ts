/**
 * Two-stage detector of the `default` set: UltraFace RFB-320 (faceplugin's fr_detect.onnx,
 * [1,3,240,320] stretched, RGB (x-127)/128) finds boxes, then the 68-point landmark model
 * supplies the 5 points per face. The export already decodes its priors: `boxes` [1,4420,4]
 * are x1,y1,x2,y2 as fractions of the input and `scores` [1,4420,2] are softmaxed with the
 * face class at index 1 (checked on a random input: x1 < x2 fractions spanning about
 * -0.26..1.26, i.e. corner boxes a little past the edges, not prior offsets around 0; each
 * score pair sums to 1 within 1e-7).
 * Faceplugin's JS decodes the priors a second time and aligns on 3 points; neither is done
 * here.
 */
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession, Tensor } from '../runtime/types.ts';
import { modelInputSize, type Size } from './input-plan.ts';
import { Landmark68, fivePointsFrom68 } from './landmark68.ts';
import { selectFaces } from './nms.ts';
import { parseDetectorSettings, resolveThresholds, type DetectorOptions, type DetectorSettings } from './options.ts';
import { InputBuffers, prepareDetectorInput } from './preprocess.ts';
import type { Box, DetectOptions, Detection, FaceDetector } from './types.ts';

const FACE_CLASS = 1;

export class UltraFaceDetector implements FaceDetector {
  readonly manifest: ModelManifest;
  readonly inputSize: Size;
  readonly landmarks: Landmark68;
  private readonly session: InferenceSession;
  private readonly buffers = new InputBuffers();
  private readonly settings: DetectorSettings;
  private readonly scoresName: string;
  private readonly boxesName: string;

  /** Takes ownership of `session` and of the landmark model's session. */
  constructor(manifest: ModelManifest, session: InferenceSession, options?: DetectorOptions) {
    if (!options?.landmarks) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `UltraFace model ${manifest.id} gives boxes only; it needs a landmark68 model for the 5 points`, {
        fix: "pass options.landmarks = { manifest, session } for the set's landmarks model (task 'landmarks')",
      });
    }
    this.manifest = manifest;
    this.session = session;
    this.settings = parseDetectorSettings(options);
    this.landmarks = new Landmark68(options.landmarks.manifest, options.landmarks.session);
    this.inputSize = modelInputSize(manifest.input, this.settings.inputSize) ?? { width: 320, height: 240 };
    const graph = session.outputs.map((o) => o.name);
    const names = manifest.outputs.mode === 'by-name' ? (manifest.outputs.names ?? ['scores', 'boxes']) : graph;
    if (names.length !== 2 || graph.length !== 2 || !names.every((n) => graph.includes(n))) {
      throw new ArcEdgeError('MODEL_IO_MISMATCH', `UltraFace model ${manifest.id} must have outputs (scores, boxes); it has ${graph.join(', ')}`);
    }
    [this.scoresName, this.boxesName] = names as [string, string];
  }

  async detect(frame: Frame, options?: DetectOptions): Promise<Detection[]> {
    const limits = resolveThresholds(this.manifest, this.settings, options);
    const { tensor, release } = prepareDetectorInput(frame, this.manifest.input, this.inputSize, { buffers: this.buffers });
    const outputs = await this.session.run({ [this.manifest.input.name]: tensor }).finally(release);
    const scores = floats(outputs, this.scoresName);
    const boxes = floats(outputs, this.boxesName);
    const count = scores.length / 2;
    if (boxes.length !== count * 4) {
      throw new ArcEdgeError('MODEL_IO_MISMATCH', `UltraFace outputs disagree: ${count} score pairs but ${boxes.length / 4} boxes`);
    }
    // Boxes are fractions of the (stretched) input, so fractions of the frame too.
    const found: { box: Box; score: number }[] = [];
    for (let i = 0; i < count; i++) {
      const score = scores[2 * i + FACE_CLASS]!;
      if (!(score >= limits.scoreThreshold)) continue;
      const b = 4 * i;
      found.push({
        box: { x1: boxes[b]! * frame.width, y1: boxes[b + 1]! * frame.height, x2: boxes[b + 2]! * frame.width, y2: boxes[b + 3]! * frame.height },
        score,
      });
    }
    const faces = selectFaces(found, limits);
    const detections: Detection[] = [];
    for (const face of faces) {
      const points = await this.landmarks.locate(frame, face.box);
      detections.push({ box: face.box, score: face.score, landmarks: fivePointsFrom68(points) });
    }
    return detections;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.session.dispose(), this.landmarks.dispose()]);
  }
}

function floats(outputs: Readonly<Record<string, Tensor>>, name: string): Float32Array {
  const data = outputs[name]?.data;
  if (!(data instanceof Float32Array)) throw new ArcEdgeError('MODEL_IO_MISMATCH', `UltraFace returned no float32 output "${name}"`);
  return data;
}
