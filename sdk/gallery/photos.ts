/**
 * Photos in, gallery decisions out: the enrollment rules (one face per photo unless told to
 * take the largest, every face through the quality gate, every refusal reported with its
 * reason) and per-face identification, shared by the CLI and the agent.
 */
import type { FacePipeline } from '../analyzer/pipeline.ts';
import type { AnalyzeInput } from '../analyzer/types.ts';
import type { Box, Detection } from '../detect/types.ts';
import { ArcEdgeError, isArcEdgeError } from '../errors.ts';
import type { QualityReason } from '../quality/index.ts';
import type { EnrollOptions, EnrollResult, EnrollTarget, Gallery, IdentifyOptions, IdentifyResult, TemplateInput } from './types.ts';

export interface PhotoInput {
  readonly input: AnalyzeInput;
  /** Recorded with the template and in rejection reports (default: the path, or "photo #i"). */
  readonly source?: string;
}

export type PhotoRejection = 'unreadable' | 'no-face' | 'several-faces' | 'low-quality' | 'near-duplicate';

export interface RejectedPhoto {
  readonly source: string;
  readonly reason: PhotoRejection;
  /** Human-readable detail: the error message, the face count, the failed quality checks. */
  readonly detail: string;
  readonly qualityReasons?: readonly QualityReason[];
  /** The error code for `unreadable`. */
  readonly code?: string;
}

export interface EnrollPhotosOptions extends EnrollOptions {
  /** With several faces in a photo, enroll the largest instead of refusing the photo. */
  readonly largest?: boolean;
  /** Enroll faces that fail the quality gate anyway (default false: they are refused). */
  readonly allowLowQuality?: boolean;
  /** Called after each photo, for progress bars. */
  readonly onPhoto?: (done: number, total: number) => void;
}

export interface EnrollPhotosResult {
  /** The enrollment, or null when no photo produced a template (then nothing was written). */
  readonly enrolled: EnrollResult | null;
  readonly rejected: readonly RejectedPhoto[];
}

function sourceOf(photo: PhotoInput | string, index: number): string {
  if (typeof photo === 'string') return photo;
  return photo.source ?? (typeof photo.input === 'string' ? photo.input : `photo #${index}`);
}

const area = (b: Box): number => (b.x2 - b.x1) * (b.y2 - b.y1);

/** Enrolls one person from photos: one committed transaction for every accepted face. */
export async function enrollPhotos(
  gallery: Gallery,
  pipeline: FacePipeline,
  target: EnrollTarget,
  photos: readonly (PhotoInput | string)[],
  options: EnrollPhotosOptions = {},
): Promise<EnrollPhotosResult> {
  const rejected: RejectedPhoto[] = [];
  const templates: (TemplateInput & { source: string })[] = [];
  for (const [i, photo] of photos.entries()) {
    const source = sourceOf(photo, i);
    try {
      const { frame } = await pipeline.loadFrame(typeof photo === 'string' ? photo : photo.input);
      const faces = await pipeline.detect(frame);
      let face: Detection | undefined;
      if (faces.length === 0) rejected.push({ source, reason: 'no-face', detail: 'no face found' });
      else if (faces.length > 1 && !options.largest) rejected.push({ source, reason: 'several-faces', detail: `${faces.length} faces found; pass largest to take the largest` });
      else face = [...faces].sort((a, b) => area(b.box) - area(a.box))[0]!;
      if (face) {
        const { crop } = pipeline.align(frame, face);
        const verdict = pipeline.assessQuality(face, crop);
        if (!verdict.ok && !options.allowLowQuality) {
          rejected.push({ source, reason: 'low-quality', detail: `failed the quality gate: ${verdict.reasons.join(', ')}`, qualityReasons: verdict.reasons });
        } else {
          const [embedding] = await pipeline.embed([crop]);
          templates.push({ embedding: embedding!, crop, quality: face.score, source });
        }
      }
    } catch (error) {
      if (!isArcEdgeError(error) || !error.code.startsWith('IMAGE_')) throw error;
      rejected.push({ source, reason: 'unreadable', detail: error.message.split('\n')[0]!, code: error.code });
    }
    options.onPhoto?.(i + 1, photos.length);
  }
  if (templates.length === 0) return { enrolled: null, rejected };
  const enrolled = gallery.enroll(target, templates, options);
  for (const s of enrolled.skipped) rejected.push({ source: s.source, reason: 'near-duplicate', detail: `near-duplicate of ${s.duplicateOf} (cosine ${s.score.toFixed(3)})` });
  return { enrolled, rejected };
}

export interface IdentifiedFace extends IdentifyResult {
  /** In the input image's pixels. */
  readonly box: Box;
  readonly detectionScore: number;
}

/** Every face in one image, each with its open-set decision. */
export async function identifyPhoto(gallery: Gallery, pipeline: FacePipeline, input: AnalyzeInput, options: IdentifyOptions = {}): Promise<IdentifiedFace[]> {
  const { frame, scaleX, scaleY } = await pipeline.loadFrame(input);
  const faces = await pipeline.detect(frame);
  if (faces.length === 0) return [];
  const embeddings = await pipeline.embed(faces.map((f) => pipeline.align(frame, f).crop));
  return faces.map((f, i) => ({
    box: { x1: f.box.x1 * scaleX, y1: f.box.y1 * scaleY, x2: f.box.x2 * scaleX, y2: f.box.y2 * scaleY },
    detectionScore: f.score,
    ...gallery.identify(embeddings[i]!, options),
  }));
}

/** The one-face rule as an error, for callers (agent commands) that enroll a single photo. */
export function faceCountError(source: string, count: number): ArcEdgeError {
  return count === 0
    ? new ArcEdgeError('FACE_NOT_FOUND', `${source}: no face found`, { details: { source } })
    : new ArcEdgeError('FACE_AMBIGUOUS', `${source}: ${count} faces found`, { details: { source, count } });
}
