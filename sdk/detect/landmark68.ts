/**
 * The 68-point (iBUG 300-W order) landmark model of the `default` set (faceplugin's
 * fr_landmark.onnx: [1,1,64,64] grey in, 136 values out, each 0..1 of the crop side).
 * It turns a face box into the 5 points ArcFace alignment needs.
 *
 * Crop: a square of side max(w, h) * cropScale centred on the box, pixels outside the frame
 * black, resized to 64x64, grey, value/256 (the manifest's mean/std). cropScale 1.0 and
 * the centred square were chosen by measuring the 5 points against det_500m's on the dev
 * photos (docs/detect.md); the manifest's landmarks.outputScale (64) maps outputs to crop px.
 */
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession } from '../runtime/types.ts';
import { modelInputSize } from './input-plan.ts';
import { prepareDetectorInput } from './preprocess.ts';
import type { Box, FivePoints, Point } from './types.ts';

/** iBUG 68-point indices (0-based): eye contours 36-41 and 42-47, nose tip 30, mouth corners 48 and 54. */
const LEFT_EYE = [36, 37, 38, 39, 40, 41];
const RIGHT_EYE = [42, 43, 44, 45, 46, 47];
const NOSE_TIP = 30;
const MOUTH_LEFT = 48;
const MOUTH_RIGHT = 54;

export const DEFAULT_LANDMARK_CROP_SCALE = 1.0;

export interface CropSquare {
  readonly x: number;
  readonly y: number;
  readonly side: number;
}

export function landmarkCropSquare(box: Box, cropScale: number): CropSquare {
  const side = Math.max(1, Math.round(Math.max(box.x2 - box.x1, box.y2 - box.y1) * cropScale));
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  return { x: Math.round(cx - side / 2), y: Math.round(cy - side / 2), side };
}

/** Eye centres are the means of each eye's 6 contour points; the rest are single points. */
export function fivePointsFrom68(points: readonly Point[]): FivePoints {
  if (points.length !== 68) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `expected 68 landmarks, got ${points.length}`);
  }
  const mean = (idx: readonly number[]): Point => ({
    x: idx.reduce((s, i) => s + points[i]!.x, 0) / idx.length,
    y: idx.reduce((s, i) => s + points[i]!.y, 0) / idx.length,
  });
  return [mean(LEFT_EYE), mean(RIGHT_EYE), points[NOSE_TIP]!, points[MOUTH_LEFT]!, points[MOUTH_RIGHT]!];
}

export class Landmark68 {
  readonly manifest: ModelManifest;
  readonly cropScale: number;
  private readonly session: InferenceSession;

  /** Takes ownership of `session`. */
  constructor(manifest: ModelManifest, session: InferenceSession, cropScale = DEFAULT_LANDMARK_CROP_SCALE) {
    if (manifest.family !== 'landmark68') {
      throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `model ${manifest.id} is family "${manifest.family}"; the landmark stage needs "landmark68"`);
    }
    this.manifest = manifest;
    this.session = session;
    this.cropScale = cropScale;
  }

  /** The 68 points for the face in `box`, in frame pixels. */
  async locate(frame: Frame, box: Box): Promise<Point[]> {
    const square = landmarkCropSquare(box, this.cropScale);
    const spec = this.manifest.input;
    const size = modelInputSize(spec, undefined) ?? { width: 64, height: 64 };
    const region = { x: square.x, y: square.y, width: square.side, height: square.side };
    const { tensor } = prepareDetectorInput(frame, { ...spec, resize: 'stretch' }, size, { region });
    const outputs = await this.session.run({ [spec.name]: tensor });
    const name = this.manifest.outputs.mode === 'by-name' && this.manifest.outputs.names?.[0] ? this.manifest.outputs.names[0] : this.session.outputs[0]?.name;
    const values = name ? outputs[name]?.data : undefined;
    const count = this.manifest.landmarks?.points ?? 68;
    if (!(values instanceof Float32Array) || values.length !== count * 2) {
      throw new ArcEdgeError('MODEL_IO_MISMATCH', `landmark model ${this.manifest.id} returned ${values?.length ?? 'no'} values from output ${name}; expected ${count * 2} float32`);
    }
    // outputs * outputScale = 64 px-crop coordinates; the crop is `side` frame pixels wide.
    const toFrame = ((this.manifest.landmarks?.outputScale ?? size.width) / size.width) * square.side;
    const points: Point[] = [];
    for (let i = 0; i < count; i++) {
      points.push({ x: square.x + values[2 * i]! * toFrame, y: square.y + values[2 * i + 1]! * toFrame });
    }
    return points;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
