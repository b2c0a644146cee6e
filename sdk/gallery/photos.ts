/**
 * Photos in, gallery decisions out: the enrollment rules (one face per photo unless told to
 * take the largest, every face through the quality gate, every refusal reported with its
 * reason) and per-face identification, shared by the CLI and the agent.
 */
import type { FacePipeline } from '../analyzer/pipeline.ts';
import type { AnalyzeInput } from '../analyzer/types.ts';
import { DEFAULT_SUBJECT_RULE, selectSubject, type SubjectRule } from '../detect/subject.ts';
import type { Box, Detection } from '../detect/types.ts';
import { ArcEdgeError, isArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';
import type { QualityMetrics, QualityReason, QualityVerdict } from '../quality/index.ts';
import type { EnrollOptions, EnrollResult, EnrollTarget, Gallery, IdentifyOptions, IdentifyResult, TemplateInput } from './types.ts';

export interface PhotoInput {
  readonly input: AnalyzeInput;
  /** Recorded with the template and in rejection reports (default: the path, or "photo #i"). */
  readonly source?: string;
}

export type PhotoRejection = 'unreadable' | 'no-face' | 'several-faces' | 'low-quality' | 'near-duplicate' | 'not-in-person-folder';

export interface RejectedPhoto {
  readonly source: string;
  readonly reason: PhotoRejection;
  /** Human-readable detail: the error message, the face count, the failed quality checks. */
  readonly detail: string;
  readonly qualityReasons?: readonly QualityReason[];
  /** The error code for `unreadable`. */
  readonly code?: string;
}

/**
 * What happened to one photo, the same object from the CLI (`enroll --json`), the agent's MQTT
 * enroll command and the web UI:
 * - `enrolled`: a template was added;
 * - `duplicate`: a good face, skipped because the identity already holds a near-identical
 *   template (not a failure: the person is enrolled, the photo added nothing);
 * - `refused`: no template from this photo, `reason` says why and `message` says it in words.
 */
export interface PhotoVerdict {
  readonly source: string;
  readonly outcome: 'enrolled' | 'duplicate' | 'refused';
  /** Machine-readable cause for `duplicate` and `refused`. */
  readonly reason?: PhotoRejection;
  /** One readable sentence: what happened and, for a refusal, what to do. */
  readonly message: string;
  /** Faces the detector found in the photo (absent when it could not be read). */
  readonly faces?: number;
  /** Failed quality checks (codes), when the gate refused it or allowLowQuality let it through. */
  readonly qualityReasons?: readonly QualityReason[];
  readonly quality?: QualityMetrics;
  /** The template id, for `enrolled`. */
  readonly templateId?: string;
  /** The error code, for `unreadable`. */
  readonly code?: string;
}

export interface EnrollPhotosOptions extends EnrollOptions {
  /**
   * Which face of a photo with several: `centre` (default, insightface's area-minus-centre-offset
   * rule), `largest`, or `all` (refuse a photo with several faces). See selectSubject().
   */
  readonly subject?: SubjectRule;
  /** @deprecated use subject: 'largest'. */
  readonly largest?: boolean;
  /** Enroll faces that fail the quality gate anyway (default false: they are refused). */
  readonly allowLowQuality?: boolean;
  /** Called after each photo, for progress bars. */
  readonly onPhoto?: (done: number, total: number) => void;
}

export interface EnrollPhotosResult {
  /** The enrollment, or null when no photo produced a template (then nothing was written). */
  readonly enrolled: EnrollResult | null;
  /** Every photo that added no template (refusals and near-duplicates). */
  readonly rejected: readonly RejectedPhoto[];
  /** Every photo's verdict, in input order. */
  readonly verdicts: readonly PhotoVerdict[];
}

function sourceOf(photo: PhotoInput | string, index: number): string {
  if (typeof photo === 'string') return photo;
  return photo.source ?? (typeof photo.input === 'string' ? photo.input : `photo #${index}`);
}

const refused = (source: string, reason: PhotoRejection, message: string, extra: Partial<PhotoVerdict> = {}): PhotoVerdict => ({ source, outcome: 'refused', reason, message, ...extra });

/** The verdict for one detected face list, before embedding: refused, or the face to enroll. */
export function judgeEnrollFaces(
  pipeline: Pick<FacePipeline, 'align' | 'assessQuality'>,
  frame: Frame,
  faces: readonly Detection[],
  source: string,
  options: Pick<EnrollPhotosOptions, 'subject' | 'largest' | 'allowLowQuality'> = {},
): { verdict: PhotoVerdict } | { face: Detection; crop: Frame; quality: QualityVerdict; note: string } {
  const rule: SubjectRule = options.subject ?? (options.largest ? 'largest' : DEFAULT_SUBJECT_RULE);
  if (faces.length === 0) return { verdict: refused(source, 'no-face', 'no face found: use a photo where the face is visible and at least 40 px wide', { faces: 0 }) };
  const chosen = selectSubject(faces, frame, rule);
  if (chosen.length !== 1) {
    return { verdict: refused(source, 'several-faces', `${faces.length} faces found: use a photo of this person alone, or choose one face (subject centre or largest)`, { faces: faces.length }) };
  }
  const face = chosen[0]!;
  const { crop } = pipeline.align(frame, face);
  const quality = pipeline.assessQuality(face, crop);
  if (!quality.ok && !options.allowLowQuality) {
    return { verdict: refused(source, 'low-quality', `refused by the quality gate: ${quality.messages.join('; ')}`, { faces: faces.length, qualityReasons: quality.reasons, quality: quality.metrics }) };
  }
  const note = faces.length > 1 ? ` (${faces.length} faces: took the ${rule === 'largest' ? 'largest' : 'one nearest the centre'})` : '';
  return { face, crop, quality, note };
}

/** Enrolls one person from photos: one committed transaction for every accepted face. */
export async function enrollPhotos(
  gallery: Gallery,
  pipeline: FacePipeline,
  target: EnrollTarget,
  photos: readonly (PhotoInput | string)[],
  options: EnrollPhotosOptions = {},
): Promise<EnrollPhotosResult> {
  const verdicts: (PhotoVerdict | undefined)[] = [];
  const templates: (TemplateInput & { source: string; index: number; accepted: Omit<PhotoVerdict, 'outcome' | 'message'> & { message: string } })[] = [];
  for (const [i, photo] of photos.entries()) {
    const source = sourceOf(photo, i);
    try {
      const { frame } = await pipeline.loadFrame(typeof photo === 'string' ? photo : photo.input);
      const faces = await pipeline.detect(frame);
      const judged = judgeEnrollFaces(pipeline, frame, faces, source, options);
      if ('verdict' in judged) verdicts.push(judged.verdict);
      else {
        const [embedding] = await pipeline.embed([judged.crop]);
        const low = judged.quality.ok ? '' : ` despite the quality gate (${judged.quality.messages.join('; ')})`;
        templates.push({
          embedding: embedding!,
          crop: judged.crop,
          quality: judged.face.score,
          source,
          index: i,
          accepted: {
            source,
            message: `enrolled: face ${Math.round(judged.quality.metrics.faceSizePx)} px, detector score ${judged.face.score.toFixed(2)}${judged.note}${low}`,
            faces: faces.length,
            quality: judged.quality.metrics,
            ...(judged.quality.ok ? {} : { qualityReasons: judged.quality.reasons }),
          },
        });
        verdicts.push(undefined); // filled in after the gallery decides (near-duplicates)
      }
    } catch (error) {
      if (!isArcEdgeError(error) || !error.code.startsWith('IMAGE_')) throw error;
      verdicts.push(refused(source, 'unreadable', `could not read the image: ${error.message.split('\n')[0]!}`, { code: error.code }));
    }
    options.onPhoto?.(i + 1, photos.length);
  }
  let enrolled: EnrollResult | null = null;
  if (templates.length > 0) {
    enrolled = gallery.enroll(target, templates, options);
    const skipped = new Map(enrolled.skipped.map((s) => [s.index, s]));
    let added = 0;
    for (const [k, t] of templates.entries()) {
      const skip = skipped.get(k);
      verdicts[t.index] = skip
        ? { ...t.accepted, outcome: 'duplicate', reason: 'near-duplicate', message: `skipped: near-duplicate of template ${skip.duplicateOf} (cosine ${skip.score.toFixed(3)}); the person is enrolled, this photo added nothing new` }
        : { ...t.accepted, outcome: 'enrolled', templateId: enrolled.added[added++]?.id };
    }
  }
  const all = verdicts as PhotoVerdict[];
  const rejected: RejectedPhoto[] = all
    .filter((v) => v.outcome !== 'enrolled')
    .map((v) => ({ source: v.source, reason: v.reason!, detail: v.message, ...(v.qualityReasons && v.outcome === 'refused' ? { qualityReasons: v.qualityReasons } : {}), ...(v.code ? { code: v.code } : {}) }));
  return { enrolled, rejected, verdicts: all };
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
