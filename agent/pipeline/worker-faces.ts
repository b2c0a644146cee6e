/**
 * "Which face, and is it who you think?": the worker half of the web's freeze-then-enroll.
 * `faces` finds every face of one frame (a camera's latest or an uploaded photo) and returns,
 * per face, its aligned crop, embedding, quality verdict and who it already looks like; the
 * web keeps them (agent/web/frozen-faces.ts) so that Enroll saves exactly the face the user
 * saw. `enrollFace` saves one such face, after checking it against the gallery: a face that
 * matches someone else, or does not match the person it is added to, is refused with
 * FACE_CONFLICT (both faces named in details) unless the caller confirms.
 */
import { ArcEdgeError, encodeJpeg, type Box, type Frame } from '../../sdk/index.ts';
import type { EnrollFaceParams, FaceMatch, FoundFace } from './face-types.ts';
import type { WorkerState } from './worker-state.ts';

export type { EnrollFaceParams, FaceMatch, FoundFace };

/** More faces than this in one photo are not offered (a crowd is not an enrollment photo). */
const MAX_FACES = 12;



const cosine = (a: Float32Array, b: Float32Array): number => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
};

/** Best template score per person (embeddings are unit length: dot = cosine). */
function bestPerPerson(state: WorkerState, embedding: Float32Array): Map<string, { score: number; templateId: string }> {
  const best = new Map<string, { score: number; templateId: string }>();
  for (const t of state.gallery.templates()) {
    const score = cosine(embedding, t.embedding);
    if (score > (best.get(t.identityId)?.score ?? -2)) best.set(t.identityId, { score, templateId: t.id });
  }
  return best;
}

function matchOf(state: WorkerState, embedding: Float32Array, exceptPerson?: string): FaceMatch | null {
  const names = new Map(state.gallery.list().map((p) => [p.id, p.name]));
  let top: FaceMatch | null = null;
  for (const [personId, b] of bestPerPerson(state, embedding)) {
    if (personId === exceptPerson || b.score < state.gallery.threshold) continue;
    if (!top || b.score > top.score) top = { personId, name: names.get(personId) ?? personId, score: b.score, templateId: b.templateId };
  }
  return top;
}

const area = (b: Box) => (b.x2 - b.x1) * (b.y2 - b.y1);

/** Every face of `frame`, largest first, each with crop, embedding, quality and match. */
export async function findFaces(state: WorkerState, frame: Frame): Promise<FoundFace[]> {
  const faces = (await state.pipeline.detect(frame)).sort((a, b) => area(b.box) - area(a.box)).slice(0, MAX_FACES);
  if (faces.length === 0) return [];
  const aligned = faces.map((f) => state.pipeline.align(frame, f).crop);
  const embeddings = await state.pipeline.embed(aligned);
  return faces.map((face, i) => {
    const crop = aligned[i]!;
    const verdict = state.pipeline.assessQuality(face, crop);
    const embedding = embeddings[i]!;
    return {
      box: face.box,
      crop: { width: crop.width, height: crop.height, data: new Uint8Array(crop.data) },
      cropJpeg: Buffer.from(encodeJpeg(crop, 90)).toString('base64'),
      embedding,
      quality: { ok: verdict.ok, reasons: verdict.reasons },
      match: matchOf(state, embedding),
    };
  });
}


/** Saves one frozen face; FACE_CONFLICT when it looks like someone else or not like the person. */
export function enrollFace(state: WorkerState, params: EnrollFaceParams): unknown {
  if (params.quality.reasons.includes('face-too-small')) {
    throw new ArcEdgeError('FACE_NOT_FOUND', 'the face is too small to enroll', { details: { reasons: params.quality.reasons } });
  }
  const embedding = params.embedding instanceof Float32Array ? params.embedding : Float32Array.from(params.embedding as ArrayLike<number>);
  const existing = state.gallery.list().find((p) => p.id === params.personId);
  if (!params.confirm) {
    const other = matchOf(state, embedding, params.personId);
    const own = existing ? bestPerPerson(state, embedding).get(params.personId) : undefined;
    const target = existing ? { personId: existing.id, name: existing.name, score: own?.score ?? 0, templateId: own?.templateId ?? null } : null;
    if (other && (!own || other.score > own.score)) {
      throw new ArcEdgeError('FACE_CONFLICT', `this face looks like ${other.name} (${other.score.toFixed(2)}), who is already enrolled`, {
        fix: existing ? `add it to ${other.name} instead, or confirm that it is ${existing.name}` : `enroll it as ${other.name}, or confirm that it is someone new`,
        details: { kind: 'matches-other', match: other, target },
      });
    }
    if (existing && own && own.score < state.gallery.threshold) {
      throw new ArcEdgeError('FACE_CONFLICT', `this face does not look like ${existing.name} (${own.score.toFixed(2)}, the threshold is ${state.gallery.threshold.toFixed(2)})`, {
        fix: `check that the photo shows ${existing.name}; confirm to add it anyway`,
        details: { kind: 'not-this-person', match: null, target },
      });
    }
  }
  const crop: Frame = { width: params.crop.width, height: params.crop.height, data: params.crop.data };
  const person = state.gallery.enroll({ id: params.personId, name: params.name }, [{ crop, embedding, quality: params.quality.ok ? 1 : 0.5, source: params.source }]);
  return { person, quality: params.quality };
}
