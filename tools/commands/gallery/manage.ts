/** `arcedge gallery list | show | remove | rename`: look at and edit a gallery without models. */
import type { Gallery, Identity } from '../../../sdk/index.ts';
import { defineCommand, EXIT, formatTable, UsageError } from '../../cli/command.ts';
import { GALLERY_OPTION, KEY_HELP, withGallery } from './common.ts';

/** An identity by id, or by name when exactly one has it. */
function pick(gallery: Gallery, ref: string): Identity {
  const byId = gallery.getIdentity(ref);
  if (byId) return byId;
  const named = gallery.findByName(ref);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new UsageError(`${named.length} identities are named "${ref}": use one of the ids ${named.map((i) => i.id).join(', ')}`);
  throw new UsageError(`no identity with id or name "${ref}" (arcedge gallery list shows them)`);
}

export const listCommand = defineCommand({
  name: 'gallery list',
  summary: 'list identities: id, name, template count',
  details: KEY_HELP,
  options: { gallery: GALLERY_OPTION },
  positionals: { max: 0 },
  run: ({ values, json }) =>
    withGallery(values.gallery, false, (g) => {
      const identities = g.listIdentities();
      if (json) console.log(JSON.stringify(identities, null, 2));
      else {
        const meta = g.metadata();
        console.log(formatTable(['id', 'name', 'templates', 'created'], identities.map((i) => [i.id, i.name, String(i.templateCount), i.createdAt])));
        console.log(`\n${meta.identities} identities, ${meta.templates} templates; model ${meta.modelId} (${meta.embeddingSize}), threshold ${meta.threshold} (${meta.thresholdSource}${meta.far ? `, FAR ${meta.far}` : ''})`);
      }
      return EXIT.OK;
    }),
});

export const showCommand = defineCommand({
  name: 'gallery show',
  summary: 'show the gallery metadata, or one identity (by id or name) with its templates',
  args: '[id|name]',
  details: KEY_HELP,
  options: { gallery: GALLERY_OPTION },
  positionals: { max: 1 },
  run: ({ values, positionals, json }) =>
    withGallery(values.gallery, false, (g) => {
      if (positionals.length === 0) {
        const meta = g.metadata();
        if (json) console.log(JSON.stringify(meta, null, 2));
        else console.log(formatTable(['field', 'value'], Object.entries(meta).map(([k, v]) => [k, String(v)])));
        return EXIT.OK;
      }
      const details = g.getIdentity(pick(g, positionals[0]!).id)!;
      if (json) console.log(JSON.stringify(details, null, 2));
      else {
        console.log(`${details.name} [${details.id}], created ${details.createdAt}, metadata ${JSON.stringify(details.metadata)}`);
        console.log(formatTable(['template', 'model', 'gen', 'quality', 'source'], details.templates.map((t) => [t.id, t.modelId, String(t.generation), t.quality.toFixed(3), t.source])));
      }
      return EXIT.OK;
    }),
});

export const removeCommand = defineCommand({
  name: 'gallery remove',
  summary: 'remove an identity (by id or name) with all its templates, or one template with --template',
  args: '[id|name]',
  details: KEY_HELP,
  options: { gallery: GALLERY_OPTION, template: { type: 'string', valueName: 'id', description: 'remove only this template' } },
  positionals: { max: 1 },
  run: ({ values, positionals, json }) =>
    withGallery(values.gallery, true, (g) => {
      if (values.template) {
        if (positionals.length) throw new UsageError('give either an identity or --template, not both');
        const removed = g.removeTemplate(values.template);
        if (json) console.log(JSON.stringify({ template: values.template, removed }));
        else console.log(removed ? `removed template ${values.template}` : `no template ${values.template}`);
        return removed ? EXIT.OK : EXIT.FAILURE;
      }
      if (positionals.length === 0) throw new UsageError('which identity? give its id or name (or --template <id>)');
      const identity = pick(g, positionals[0]!);
      g.removeIdentity(identity.id);
      if (json) console.log(JSON.stringify({ identity: { id: identity.id, name: identity.name }, removed: true, templates: identity.templateCount }));
      else console.log(`removed ${identity.name} [${identity.id}] and ${identity.templateCount} template(s)`);
      return EXIT.OK;
    }),
});

export const renameCommand = defineCommand({
  name: 'gallery rename',
  summary: 'rename an identity (by id or name); its id does not change',
  args: '<id|name> <new name>',
  details: KEY_HELP,
  options: { gallery: GALLERY_OPTION },
  positionals: { min: 2, max: 2 },
  run: ({ values, positionals, json }) =>
    withGallery(values.gallery, true, (g) => {
      const identity = pick(g, positionals[0]!);
      const renamed = g.renameIdentity(identity.id, positionals[1]!);
      if (json) console.log(JSON.stringify(renamed));
      else console.log(`renamed ${identity.name} -> ${renamed.name} [${renamed.id}]`);
      return EXIT.OK;
    }),
});
