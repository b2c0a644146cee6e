/**
 * SCRFD (insightface det_500m / det_2.5g / det_10g, and exports naming outputs score_8,
 * bbox_8, kps_8...). Any input size that is a multiple of 32 (default: manifest input.size,
 * 640x640); the frame is letterboxed into it (pad right/bottom), decoded per stride,
 * mapped back to frame pixels, then suppressed. Defaults follow insightface
 * model_zoo/scrfd.py: score threshold 0.5, NMS IoU 0.4.
 */
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';
import type { PixelRect } from '../image/index.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession } from '../runtime/types.ts';
import { modelInputSize, type Size } from './input-plan.ts';
import { scaleDetection, selectFaces } from './nms.ts';
import { parseDetectorSettings, resolveThresholds, type DetectorOptions, type DetectorSettings, type ResolvedThresholds } from './options.ts';
import { groupOutputs, outputRows, type OutputGroups } from './output-groups.ts';
import { InputBuffers, prepareDetectorInput } from './preprocess.ts';
import { decodeScrfd, scrfdLevelRows, type ScrfdLevel } from './scrfd-decode.ts';
import { detectInTwoPasses } from './two-pass.ts';
import { planDetectorScale, trustFirstPass } from './scale-plan.ts';
import type { DetectOptions, Detection, FaceDetector } from './types.ts';

/**
 * Never enlarge a frame more than this into the 640 input (input-plan.ts ScaleLimit): a frame
 * under ~213 px then runs on a smaller input. Every dev photo the detector already handled is
 * larger, so none of them changes.
 */
const MAX_UPSCALE = 3;

/** Role aliases for by-name lookup: `score_8` / `bbox_8` / `kps_8` and common variants. */
export const SCRFD_OUTPUT_ROLES = [['score', 'scores', 'cls'], ['bbox', 'boxes', 'box'], ['kps', 'landmarks', 'landmark']] as const;

export class ScrfdDetector implements FaceDetector {
  readonly manifest: ModelManifest;
  readonly inputSize: Size;
  private readonly session: InferenceSession;
  private readonly buffers = new InputBuffers();
  private readonly settings: DetectorSettings;
  private readonly strides: readonly number[];
  private readonly anchorsPerCell: number;
  private readonly groups: OutputGroups;

  /** Takes ownership of `session`: dispose() releases it. */
  constructor(manifest: ModelManifest, session: InferenceSession, options?: DetectorOptions) {
    this.manifest = manifest;
    this.session = session;
    this.settings = parseDetectorSettings(options);
    this.strides = manifest.detector?.strides ?? [8, 16, 32];
    this.anchorsPerCell = manifest.detector?.anchorsPerCell ?? 2;
    const size = modelInputSize(manifest.input, this.settings.inputSize) ?? { width: 640, height: 640 };
    const step = Math.max(...this.strides);
    if (size.width % step !== 0 || size.height % step !== 0) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `SCRFD input ${size.width}x${size.height} is not a multiple of its largest stride ${step}`, {
        fix: `use a size like ${Math.ceil(size.width / step) * step}x${Math.ceil(size.height / step) * step}`,
      });
    }
    this.inputSize = size;
    const roles = SCRFD_OUTPUT_ROLES.map((r) => [...r]);
    this.groups = groupOutputs(session.outputs.map((o) => o.name), manifest.outputs, roles, this.strides);
  }

  async detect(frame: Frame, options?: DetectOptions): Promise<Detection[]> {
    const limits = resolveThresholds(this.manifest, this.settings, options);
    const full = this.inputSize;
    const at = (size: Size): Promise<Detection[]> => {
      const pass = (f: Frame, region: PixelRect | undefined) => this.detectOnce(f, region, limits, size);
      return detectInTwoPasses(frame, pass, { enabled: limits.secondPass, nmsIou: limits.nmsIou, maxFaces: limits.maxFaces, inputSize: size });
    };
    if (this.settings.inputPlanning === false) return at(full);
    // Input planning (scale-plan.ts): a smaller first pass when the expected faces allow it.
    const plan = planDetectorScale(frame, full, { minFaceSizePx: limits.minFaceSizePx, expectedFaces: options?.expectedFaces });
    const fullSide = Math.max(full.width, full.height);
    if (plan.firstSidePx >= fullSide) return at(full);
    const ratio = plan.firstSidePx / fullSide;
    const small = { width: Math.max(32, Math.round((full.width * ratio) / 32) * 32), height: Math.max(32, Math.round((full.height * ratio) / 32) * 32) };
    const first = await at(small);
    const inputPerFramePx = Math.min(MAX_UPSCALE, small.width / frame.width, small.height / frame.height);
    if (!plan.fallback || trustFirstPass(first, inputPerFramePx)) return first;
    return at(full);
  }

  /** One pass over `region` (default the whole frame) at input `size`, faces in region pixels, no maxFaces cut. */
  private async detectOnce(frame: Frame, region: PixelRect | undefined, limits: ResolvedThresholds, size: Size): Promise<Detection[]> {
    // The full size keeps today's square input; a planned smaller one is trimmed to the frame's shape.
    const trimPadding = size.width < this.inputSize.width || size.height < this.inputSize.height;
    const prepare = { buffers: this.buffers, limit: { maxUpscale: MAX_UPSCALE, trimPadding }, ...(region ? { region } : {}) };
    const { tensor, plan, release } = prepareDetectorInput(frame, this.manifest.input, size, prepare);
    const outputs = await this.session.run({ [this.manifest.input.name]: tensor }).finally(release);
    const [scoreNames, boxNames, kpsNames] = this.groups as [string[], string[], string[]];
    const levels: ScrfdLevel[] = this.strides.map((stride, i) => {
      const rows = scrfdLevelRows(plan.inputWidth, plan.inputHeight, stride, this.anchorsPerCell);
      return {
        stride,
        scores: outputRows(outputs, scoreNames[i]!, rows, 1),
        boxes: outputRows(outputs, boxNames[i]!, rows, 4),
        keypoints: outputRows(outputs, kpsNames[i]!, rows, 10),
      };
    });
    const candidates = decodeScrfd(levels, plan.inputWidth, this.anchorsPerCell, limits.scoreThreshold).map((d) =>
      scaleDetection(d, plan.scaleX, plan.scaleY),
    );
    return selectFaces(candidates, { ...limits, maxFaces: 0 });
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
