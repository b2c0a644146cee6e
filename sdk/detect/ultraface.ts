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
import type { PixelRect } from '../image/index.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession, Tensor } from '../runtime/types.ts';
import { modelInputSize, type Size } from './input-plan.ts';
import { Landmark68, fivePointsFrom68 } from './landmark68.ts';
import { selectFaces } from './nms.ts';
import { parseDetectorSettings, resolveThresholds, type DetectorOptions, type DetectorSettings, type ResolvedThresholds } from './options.ts';
import { InputBuffers, prepareDetectorInput } from './preprocess.ts';
import { canvasRegion, detectInTwoPasses } from './two-pass.ts';
import type { Box, DetectOptions, Detection, FaceDetector, FivePoints } from './types.ts';

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
    const pass = (f: Frame, region: PixelRect | undefined) => this.detectOnce(f, region, limits);
    // A frame smaller than the input is not stretched into it (a 92x112 crop would come out 1.6x
    // too wide and ~2-3.5x enlarged): it sits, centred and unstretched, in a canvas of the input's
    // aspect, scaled evenly. Larger frames are stretched as the model was trained.
    const canvas = canvasRegion(frame, this.inputSize, 0);
    const fits = frame.width <= this.inputSize.width && frame.height <= this.inputSize.height;
    const firstRegion = fits && (canvas.width !== frame.width || canvas.height !== frame.height) ? canvas : undefined;
    const settings = { enabled: limits.secondPass, nmsIou: limits.nmsIou, maxFaces: limits.maxFaces, inputSize: this.inputSize, firstRegion };
    return detectInTwoPasses(frame, pass, settings);
  }

  /**
   * One pass over `region` (default the whole frame), in region pixels. Landmarks are located on
   * the frame itself: the crop square reads black outside it, as the padded region does.
   */
  private async detectOnce(frame: Frame, region: PixelRect | undefined, limits: ResolvedThresholds): Promise<Detection[]> {
    const dx = region?.x ?? 0;
    const dy = region?.y ?? 0;
    const found: Detection[] = [];
    for (const face of await this.findBoxes(frame, region, limits)) {
      const box = { x1: face.box.x1 + dx, y1: face.box.y1 + dy, x2: face.box.x2 + dx, y2: face.box.y2 + dy };
      const points = fivePointsFrom68(await this.landmarks.locate(frame, box));
      found.push({ box: face.box, score: face.score, landmarks: points.map((p) => ({ x: p.x - dx, y: p.y - dy })) as unknown as FivePoints });
    }
    return found;
  }

  /** One UltraFace pass over `region` (default the whole frame): boxes in region pixels, no maxFaces cut. */
  private async findBoxes(frame: Frame, region: PixelRect | undefined, limits: ResolvedThresholds): Promise<{ box: Box; score: number }[]> {
    const prepare = { buffers: this.buffers, ...(region ? { region } : {}) };
    const { tensor, release } = prepareDetectorInput(frame, this.manifest.input, this.inputSize, prepare);
    const outputs = await this.session.run({ [this.manifest.input.name]: tensor }).finally(release);
    const scores = floats(outputs, this.scoresName);
    const boxes = floats(outputs, this.boxesName);
    const count = scores.length / 2;
    if (boxes.length !== count * 4) {
      throw new ArcEdgeError('MODEL_IO_MISMATCH', `UltraFace outputs disagree: ${count} score pairs but ${boxes.length / 4} boxes`);
    }
    // Boxes are fractions of the (stretched) input, so fractions of the frame (or region) too.
    const { width, height } = region ?? frame;
    const found: { box: Box; score: number }[] = [];
    for (let i = 0; i < count; i++) {
      const score = scores[2 * i + FACE_CLASS]!;
      if (!(score >= limits.scoreThreshold)) continue;
      const b = 4 * i;
      found.push({ box: { x1: boxes[b]! * width, y1: boxes[b + 1]! * height, x2: boxes[b + 2]! * width, y2: boxes[b + 3]! * height }, score });
    }
    return selectFaces(found, { ...limits, maxFaces: 0 });
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

