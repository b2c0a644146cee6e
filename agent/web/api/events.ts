/** The event history: filtered, paged list; snapshots; "enroll this face" from an event. */
import { ArcEdgeError, EventsQuerySchema } from '../../../sdk/index.ts';
import { EnrollBodySchema } from '../../../sdk/internal.ts';
import { personIdFromName } from '../../commands/handler.ts';
import { formatIssues } from '../../config/load.ts';
import { body, jpeg, param, type ApiRoute, type WebDeps } from './route.ts';

function snapshotOf(deps: WebDeps, id: string): Buffer {
  const bytes = deps.store?.snapshot(id);
  if (!bytes) throw new ArcEdgeError('NOT_FOUND', `no snapshot for event "${id.slice(0, 80)}"`, { fix: 'the event does not exist, has no snapshot, or was deleted by retention or a forget' });
  return bytes;
}

export const EVENT_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/events',
    summary: 'events, newest first: ?person=&camera=&from=&to=&type=&limit=50&before=<cursor> -> { events, next, total }',
    handler: (c, deps) => {
      const parsed = EventsQuerySchema.safeParse(c.req.query());
      if (!parsed.success) {
        const problems = formatIssues(parsed.error.issues);
        throw new ArcEdgeError('COMMAND_INVALID', `invalid query: ${problems.join('; ')}`, { fix: 'see GET /api/events in docs/web-api.md', details: { problems } });
      }
      if (parsed.data.from && parsed.data.to && Date.parse(parsed.data.from) > Date.parse(parsed.data.to)) {
        throw new ArcEdgeError('COMMAND_INVALID', `from (${parsed.data.from}) is after to (${parsed.data.to})`, { fix: 'swap them, or leave one out' });
      }
      return c.json({ ...deps.ctx.events(parsed.data), total: deps.store?.count(parsed.data) ?? null });
    },
  },
  {
    method: 'GET',
    path: '/api/events/:id/snapshot.jpg',
    image: true,
    summary: 'the face snapshot of one event (JPEG)',
    handler: (c, deps) => jpeg(snapshotOf(deps, param(c, 'id'))),
  },
  {
    method: 'GET',
    path: '/api/events/:id/frame.jpg',
    image: true,
    summary: 'the full frame of one event with the face boxed (JPEG, long side <= 1280 px)',
    handler: (c, deps) => {
      const id = param(c, 'id');
      const bytes = deps.store?.frame(id);
      if (!bytes) throw new ArcEdgeError('NOT_FOUND', `no full frame for event "${id.slice(0, 80)}"`, { fix: 'the event does not exist, kept no snapshot (events.snapshots), was stored before full frames were kept, or was deleted by retention or a forget' });
      return jpeg(bytes);
    },
  },
  {
    method: 'POST',
    path: '/api/events/:id/enroll',
    summary: 'enroll the face in the event\'s snapshot: { name, personId? }',
    handler: async (c, deps) => {
      const id = param(c, 'id');
      const image = snapshotOf(deps, id);
      const { name, personId } = await body(c, EnrollBodySchema);
      return c.json(await deps.ctx.enroll({ personId: personId ?? personIdFromName(name), name, image: new Uint8Array(image), source: `event:${id}` }));
    },
  },
];
