/**
 * YuNet (OpenCV Zoo face_detection_yunet 2023mar): yunet_2023mar_640 (fixed 640x640,
 * letterboxed) and yunet_s_dynamic (any size: padded to a multiple of 32, scaled down
 * first only when larger than the cap). Input is BGR 0..255 without normalisation; the
 * manifest says so (mean 0, std 1) and preprocess follows it.
 */
import type { Frame } from '../image/frame.ts';
import type { PixelRect } from '../image/index.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession } from '../runtime/types.ts';
import { modelInputSize, type Size } from './input-plan.ts';
import { scaleDetection, selectFaces } from './nms.ts';
import { parseDetectorSettings, resolveThresholds, type DetectorOptions, type DetectorSettings, type ResolvedThresholds } from './options.ts';
import { groupOutputs, outputRows, type OutputGroups } from './output-groups.ts';
import { InputBuffers, prepareDetectorInput } from './preprocess.ts';
import { detectInTwoPasses } from './two-pass.ts';
import type { DetectOptions, Detection, FaceDetector } from './types.ts';
import { decodeYunet, type YunetLevel } from './yunet-decode.ts';

/** Graph outputs are cls_8.., obj_8.., bbox_8.., kps_8.. in both 2023mar exports. */
/**
 * The fixed 640 model never enlarges a frame more than this (input-plan.ts ScaleLimit): it
 * touches only frames under ~213 px, smaller than any dev photo it already handled.
 */
const MAX_UPSCALE = 3;
/** Second pass of a resize "pad" model: its padded canvas is enlarged up to this much. */
const PAD_RETRY_MAX_UPSCALE = 2;

export const YUNET_OUTPUT_ROLES = [['cls'], ['obj'], ['bbox'], ['kps']] as const;

export class YunetDetector implements FaceDetector {
  readonly manifest: ModelManifest;
  /** Fixed input size, or for resize "pad" the cap above which frames are scaled down. */
  readonly inputSize: Size | undefined;
  private readonly session: InferenceSession;
  private readonly buffers = new InputBuffers();
  private readonly settings: DetectorSettings;
  private readonly strides: readonly number[];
  private readonly groups: OutputGroups;

  /** Takes ownership of `session`: dispose() releases it. */
  constructor(manifest: ModelManifest, session: InferenceSession, options?: DetectorOptions) {
    this.manifest = manifest;
    this.session = session;
    this.settings = parseDetectorSettings(options);
    this.strides = manifest.detector?.strides ?? [8, 16, 32];
    this.inputSize = modelInputSize(manifest.input, this.settings.inputSize);
    const roles = YUNET_OUTPUT_ROLES.map((r) => [...r]);
    this.groups = groupOutputs(session.outputs.map((o) => o.name), manifest.outputs, roles, this.strides);
  }

  async detect(frame: Frame, options?: DetectOptions): Promise<Detection[]> {
    const limits = resolveThresholds(this.manifest, this.settings, options);
    const pass = (f: Frame, region: PixelRect | undefined) => this.detectOnce(f, region, limits);
    // resize "pad" has no aspect of its own: the padded frame keeps the frame's.
    const inputSize = this.manifest.input.resize === 'pad' ? undefined : this.inputSize;
    return detectInTwoPasses(frame, pass, { enabled: limits.secondPass, nmsIou: limits.nmsIou, maxFaces: limits.maxFaces, inputSize });
  }

  /** One pass over `region` (default the whole frame), faces in region pixels, no maxFaces cut. */
  private async detectOnce(frame: Frame, region: PixelRect | undefined, limits: ResolvedThresholds): Promise<Detection[]> {
    // resize "pad" never enlarges: a small frame's padded canvas would show the face at crop size
    // (~112 px), where yunet_s_dynamic boxed it poorly (dev crops: AUC 0.985 against 0.9996 when
    // the canvas is enlarged up to 2x into the cap, as a letterbox).
    const retryPad = region !== undefined && this.manifest.input.resize === 'pad' && this.inputSize !== undefined;
    const spec = retryPad ? { ...this.manifest.input, resize: 'letterbox' as const } : this.manifest.input;
    const limit = { maxUpscale: retryPad ? PAD_RETRY_MAX_UPSCALE : MAX_UPSCALE };
    const prepare = { buffers: this.buffers, limit, ...(region ? { region } : {}) };
    const { tensor, plan, release } = prepareDetectorInput(frame, spec, this.inputSize, prepare);
    const outputs = await this.session.run({ [this.manifest.input.name]: tensor }).finally(release);
    const [cls, obj, bbox, kps] = this.groups as [string[], string[], string[], string[]];
    const levels: YunetLevel[] = this.strides.map((stride, i) => {
      const rows = Math.ceil(plan.inputWidth / stride) * Math.ceil(plan.inputHeight / stride);
      return {
        stride,
        cls: outputRows(outputs, cls[i]!, rows, 1),
        obj: outputRows(outputs, obj[i]!, rows, 1),
        boxes: outputRows(outputs, bbox[i]!, rows, 4),
        keypoints: outputRows(outputs, kps[i]!, rows, 10),
      };
    });
    const candidates = decodeYunet(levels, plan.inputWidth, limits.scoreThreshold).map((d) => scaleDetection(d, plan.scaleX, plan.scaleY));
    return selectFaces(candidates, { ...limits, maxFaces: 0 });
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
