/**
 * The face library API (face-library.ts has the grouping rule): GET lists recent unknown faces
 * grouped by identity; "name" enrolls a group's best faces (at most MAX_ENROLLED, best quality
 * first) and names every event of the group; "ignore" marks the group "not a face".
 */
import { ArcEdgeError } from '../../../sdk/index.ts';
import { WEB_BODY_SCHEMAS } from '../../../sdk/internal.ts';
import { personIdFromName } from '../../commands/handler.ts';
import { clusterByThreshold, type LibraryFace } from '../face-library.ts';
import type { FoundFace } from '../../pipeline/face-types.ts';
import { withCropUrls } from './faces.ts';
import { body, type ApiRoute, type WebDeps } from './route.ts';

/** Unknown events looked at: the most recent ones. */
const RECENT_EVENTS = 300;
/** Snapshots embedded per request; the page asks again while `pending` > 0, so no request runs long. */
const EMBED_PER_REQUEST = 40;
/** Faces enrolled when a group is named: enough views for recognition, not every frame. */
export const MAX_ENROLLED = 5;
/** Faces shown per group. */
const SHOWN = 6;

const area = (b: FoundFace['box']) => (b.x2 - b.x1) * (b.y2 - b.y1);

/** The snapshot's face (the largest: a snapshot is cut around one face) and its rank. */
async function snapshotFace(deps: WebDeps, eventId: string): Promise<FoundFace | null> {
  const bytes = deps.store?.snapshot(eventId);
  if (!bytes) return null;
  const { faces, width, height } = await deps.ctx.faces({ image: new Uint8Array(bytes) });
  const face = faces[0];
  return face ? Object.assign(face, { rank: (face.quality.ok ? 1 : 0) + area(face.box) / (width * height) }) : null;
}


function unknownEvents(deps: WebDeps) {
  if (!deps.store) throw new ArcEdgeError('EVENTS_STORE_FAILED', 'this agent keeps no event history', { fix: 'set events.store: true in the agent config (the default)' });
  return deps.ctx.events({ type: 'unknown', limit: RECENT_EVENTS }).events.filter((e) => e.personId === null && e.snapshotUrl !== null);
}

export const LIBRARY_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/library',
    summary: 'recent unknown faces grouped by identity: { threshold, pending, ignored, groups: [{ count, eventIds, faces: [{ eventId, ts, camera, snapshotUrl }], firstTs, lastTs }] }',
    handler: async (c, deps) => {
      const events = unknownEvents(deps);
      const cache = deps.library.faces;
      let embedded = 0;
      for (const e of events) {
        if (cache.has(e.id)) continue;
        if (embedded >= EMBED_PER_REQUEST) break;
        embedded += 1;
        const face = await snapshotFace(deps, e.id).catch(() => null);
        cache.set(e.id, face ? { eventId: e.id, ts: e.ts, camera: e.camera, embedding: face.embedding, rank: (face as FoundFace & { rank: number }).rank } : null);
      }
      // Events gone (retention, named, forgotten) leave the cache: it never outgrows RECENT_EVENTS.
      const current = new Set(events.map((e) => e.id));
      for (const id of cache.keys()) if (!current.has(id)) cache.delete(id);
      const threshold = deps.threshold() ?? 0.4;
      const ready = events.filter((e) => cache.has(e.id));
      const faces = ready.map((e) => cache.get(e.id)).filter((f): f is LibraryFace => !!f && !deps.library.ignored.matches(f.embedding, threshold));
      const groups = clusterByThreshold(
        faces.map((f) => f.embedding),
        threshold,
      ).map((members) => {
        const list = members.map((i) => faces[i]!);
        const best = [...list].sort((a, b) => b.rank - a.rank);
        const times = list.map((f) => f.ts).sort();
        return {
          count: list.length,
          eventIds: list.map((f) => f.eventId),
          faces: best.slice(0, SHOWN).map((f) => ({ eventId: f.eventId, ts: f.ts, camera: f.camera, snapshotUrl: `/api/events/${encodeURIComponent(f.eventId)}/snapshot.jpg` })),
          firstTs: times[0]!,
          lastTs: times[times.length - 1]!,
        };
      });
      return c.json({ threshold, pending: events.length - ready.length, ignored: deps.library.ignored.groups.length, groups });
    },
  },
  {
    method: 'POST',
    path: '/api/library/name',
    summary: "name a group: its best faces (at most 5) are enrolled and all its events get the name: { eventIds, name, personId?, confirm? }",
    handler: async (c, deps) => {
      const { eventIds, name, personId, confirm } = await body(c, WEB_BODY_SCHEMAS.libraryName);
      const id = personId ?? personIdFromName(name);
      const ranked = eventIds
        .map((e) => deps.library.faces.get(e))
        .filter((f): f is LibraryFace => !!f)
        .sort((a, b) => b.rank - a.rank)
        .slice(0, MAX_ENROLLED);
      if (ranked.length === 0) throw new ArcEdgeError('FACE_NOT_FOUND', 'none of these events has a face to enroll', { fix: 'reload the face library; the events may have been deleted by retention' });
      let person: unknown;
      let enrolled = 0;
      for (const [i, f] of ranked.entries()) {
        const face = await snapshotFace(deps, f.eventId);
        if (!face) continue;
        // The first face is checked against the gallery (it may look like someone enrolled
        // since); the rest belong to the same group and follow it.
        const result = await deps.ctx
          .enrollFace({ personId: id, name, crop: face.crop, embedding: face.embedding, quality: face.quality, source: `event:${f.eventId}`, confirm: confirm || i > 0 })
          .catch(withCropUrls);
        person = (result as { person: unknown }).person;
        enrolled += 1;
      }
      let events = 0;
      for (const e of eventIds) if (deps.store?.claimEvent(e, { id, name })) events += 1;
      for (const e of eventIds) deps.library.faces.delete(e);
      return c.json({ person, enrolled, events });
    },
  },
  {
    method: 'POST',
    path: '/api/library/ignore',
    summary: '"not a face": hide this group and unknown faces like it from the library, and publish no more events for faces like it: { eventIds }',
    handler: async (c, deps) => {
      const { eventIds } = await body(c, WEB_BODY_SCHEMAS.libraryIgnore);
      const vectors = eventIds.map((e) => deps.library.faces.get(e)?.embedding).filter((v): v is Float32Array => !!v);
      if (vectors.length === 0) throw new ArcEdgeError('NOT_FOUND', 'none of these events is in the face library', { fix: 'reload the face library' });
      deps.library.ignored.add(vectors);
      await deps.ignoredChanged(); // its future events stop too (pipeline/filters.ts)
      return c.json({ ignored: vectors.length });
    },
  },
];
