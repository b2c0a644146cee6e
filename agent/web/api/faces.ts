/**
 * Freeze, then enroll: the first click freezes a frame (a camera's latest, an uploaded photo, an
 * event snapshot) and answers every face in it with a token; Enroll names one token. The face
 * saved is the one the user saw, whatever the camera shows by then, and a face that looks like
 * someone else (or not like the person it is added to) answers FACE_CONFLICT (409) with both
 * faces until the user confirms.
 */
import { ArcEdgeError } from '../../../sdk/index.ts';
import { WEB_BODY_SCHEMAS } from '../../../sdk/internal.ts';
import { decodeBase64, personIdFromName } from '../../commands/handler.ts';
import { templateCropUrl } from '../frozen-faces.ts';
import { camera } from './cameras.ts';
import { body, param, type ApiRoute } from './route.ts';

/** The conflict's faces as URLs the page can show side by side. */
export function withCropUrls(error: unknown): never {
  if (error instanceof ArcEdgeError && error.code === 'FACE_CONFLICT' && error.details) {
    const d = error.details as { match?: { personId: string; templateId: string } | null; target?: { personId: string; templateId: string | null } | null };
    const add = <T extends { personId: string; templateId: string | null }>(m: T | null | undefined) => (m && m.templateId ? { ...m, cropUrl: templateCropUrl(m.personId, m.templateId) } : m ?? null);
    throw new ArcEdgeError('FACE_CONFLICT', error.message, { fix: error.fix, details: { ...error.details, match: add(d.match), target: add(d.target) } });
  }
  throw error;
}

export const FACE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/cameras/:id/faces',
    summary: "freeze the camera's latest frame: { frame, width, height, expiresAt, faces: [{ token, box, crop, quality, match }] }",
    handler: async (c, deps) => {
      const id = camera(deps, param(c, 'id'));
      return c.json(deps.frozen.freeze(await deps.ctx.faces({ camera: id }), `camera:${id}`));
    },
  },
  {
    method: 'POST',
    path: '/api/faces',
    summary: 'every face of an uploaded photo, frozen: { image } -> same answer as the camera freeze',
    handler: async (c, deps) => {
      const { image } = await body(c, WEB_BODY_SCHEMAS.faces);
      return c.json(deps.frozen.freeze(await deps.ctx.faces({ image: decodeBase64(image) }), 'web:upload'));
    },
  },
  {
    method: 'POST',
    path: '/api/events/:id/faces',
    summary: "the face of an event's snapshot, frozen (enrolling it also names the event)",
    handler: async (c, deps) => {
      const id = param(c, 'id');
      const bytes = deps.store?.snapshot(id);
      if (!bytes) throw new ArcEdgeError('NOT_FOUND', `no snapshot for event "${id.slice(0, 80)}"`, { fix: 'the event does not exist, has no snapshot, or was deleted by retention or a forget' });
      return c.json(deps.frozen.freeze(await deps.ctx.faces({ image: new Uint8Array(bytes) }), `event:${id}`));
    },
  },
  {
    method: 'POST',
    path: '/api/faces/:token/enroll',
    summary: 'enroll exactly that frozen face: { name, personId?, confirm? }; 409 FACE_CONFLICT names the face it looks like',
    handler: async (c, deps) => {
      const token = param(c, 'token');
      const { name, personId, confirm } = await body(c, WEB_BODY_SCHEMAS.enrollFace);
      const frozen = deps.frozen.take(token);
      const { face } = frozen;
      const result = await deps.ctx
        .enrollFace({ personId: personId ?? personIdFromName(name), name, crop: face.crop, embedding: face.embedding, quality: face.quality, source: frozen.source, confirm })
        .catch(withCropUrls);
      deps.frozen.drop(token);
      return c.json(result);
    },
  },
];
