/** The gallery: people with their template crops; add photos, rename, merge, delete, forget. */
import { ID_PATTERN, ArcEdgeError } from '../../../sdk/index.ts';
import { CreatePersonBodySchema, MergeBodySchema, PhotoBodySchema, RenameBodySchema } from '../../../sdk/internal.ts';
import { decodeBase64, personIdFromName } from '../../commands/handler.ts';
import { body, jpeg, param, type ApiRoute } from './route.ts';

function personId(raw: string): string {
  if (!ID_PATTERN.test(raw)) throw new ArcEdgeError('NOT_FOUND', `no person "${raw.slice(0, 64)}"`, { fix: 'GET /api/people lists the ids' });
  return raw;
}

export const PEOPLE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/people',
    summary: 'people: [{ id, name, templates: [{ id, createdAt, quality, source, cropUrl }] }]',
    handler: async (c, deps) =>
      c.json(
        (await deps.ctx.people()).map((p) => ({
          id: p.id,
          name: p.name,
          templates: p.templates.map((t) => ({ ...t, cropUrl: `/api/people/${encodeURIComponent(p.id)}/templates/${encodeURIComponent(t.id)}/crop.jpg` })),
        })),
      ),
  },
  {
    method: 'GET',
    path: '/api/people/:id/templates/:tid/crop.jpg',
    image: true,
    summary: 'the aligned face crop of one template (JPEG)',
    handler: async (c, deps) => jpeg(await deps.ctx.crop(personId(param(c, 'id')), param(c, 'tid'))),
  },
  {
    method: 'POST',
    path: '/api/people',
    summary: 'add a photo by name (a new person, or the one with that id): { name, image, personId? }',
    handler: async (c, deps) => {
      const { name, image, personId: id } = await body(c, CreatePersonBodySchema);
      return c.json(await deps.ctx.enroll({ personId: id ?? personIdFromName(name), name, image: decodeBase64(image), source: 'web:upload', single: true }));
    },
  },
  {
    method: 'POST',
    path: '/api/people/:id/photos',
    summary: 'add a photo to this person: { image }',
    handler: async (c, deps) => {
      const id = personId(param(c, 'id'));
      const { image } = await body(c, PhotoBodySchema);
      const person = (await deps.ctx.people()).find((p) => p.id === id);
      if (!person) throw new ArcEdgeError('GALLERY_IDENTITY_NOT_FOUND', `no person "${id}" in the gallery`, { fix: 'GET /api/people lists the ids; POST /api/people creates one' });
      return c.json(await deps.ctx.enroll({ personId: id, name: person.name, image: decodeBase64(image), source: 'web:upload', single: true }));
    },
  },
  {
    method: 'POST',
    path: '/api/people/:id/rename',
    summary: 'rename: { name }',
    handler: async (c, deps) => c.json(await deps.ctx.rename(personId(param(c, 'id')), (await body(c, RenameBodySchema)).name)),
  },
  {
    method: 'POST',
    path: '/api/people/:id/merge',
    summary: 'move every template of this person to another and remove this one: { into }',
    handler: async (c, deps) => c.json(await deps.ctx.merge(personId(param(c, 'id')), (await body(c, MergeBodySchema)).into)),
  },
  {
    method: 'DELETE',
    path: '/api/people/:id/templates/:tid',
    summary: 'delete one template (and its crop)',
    handler: async (c, deps) => c.json(await deps.ctx.removeTemplate(personId(param(c, 'id')), param(c, 'tid'))),
  },
  {
    method: 'DELETE',
    path: '/api/people/:id',
    summary: 'forget: templates, crops and event snapshots deleted, identity removed from events, erasure recorded -> { templates, snapshots, events }',
    handler: async (c, deps) => {
      const p = deps.auth.principal(c);
      const result = await deps.ctx.forget(personId(param(c, 'id')), p?.kind === 'bearer' ? 'web:bearer' : 'web:session');
      return c.json(result);
    },
  },
];
