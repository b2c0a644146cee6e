/**
 * `arcedge enroll <folder|image>... --gallery <file> [--name <person>]`: enrolls people from
 * photos. With --name every photo is that person; without it each argument is a
 * `<person>/<images>` tree. Every photo passes the quality gate; a photo with no face or several
 * faces is refused (unless --largest); near-duplicates are skipped; every refusal is reported.
 */
import { enrollPhotos, type EnrollPhotosResult, type EnrollTarget } from '../../sdk/index.ts';
import { defineCommand, EXIT, formatTable, UsageError } from '../cli/command.ts';
import { createProgress } from '../cli/progress.ts';
import { collectImages, GALLERY_OPTION, KEY_HELP, loadPipeline, MODELS_OPTION, openForPipeline, personFolders, requireGallery } from './gallery/common.ts';

export const enrollCommand = defineCommand({
  name: 'enroll',
  summary: 'enroll people from photos into a gallery (a folder per person, or --name for one person)',
  args: '<folder|image>...',
  details: `Without --name each argument is a folder of person folders: people/<name>/<photos>.
Enrolling a name that exists adds to that identity; --new creates another identity with the
same name (ids are unique, names need not be); several identities with one name need --id.
Exit 1 when no photo could be enrolled.

${KEY_HELP}`,
  options: {
    gallery: GALLERY_OPTION,
    name: { type: 'string', valueName: 'person', description: 'every photo is this person' },
    id: { type: 'string', valueName: 'id', description: 'add to the identity with this id (with --name: create it with this id if missing)' },
    new: { type: 'boolean', description: 'with --name: always create a new identity, even when the name exists' },
    models: MODELS_OPTION,
    largest: { type: 'boolean', description: 'take the largest face of a photo with several faces (default: refuse the photo)' },
    'allow-low-quality': { type: 'boolean', description: 'enroll faces that fail the quality gate (default: refuse them)' },
  },
  positionals: { min: 1 },
  async run({ values, positionals, json }) {
    const galleryPath = requireGallery(values.gallery);
    if (values.new && !values.name) throw new UsageError('--new needs --name');
    if (values.id && values.new) throw new UsageError('--id and --new contradict each other');
    const jobs: { target: EnrollTarget; label: string; photos: string[] }[] = [];
    const loose: string[] = [];
    if (values.name || values.id) {
      const target: EnrollTarget = values.id ? { id: values.id, ...(values.name ? { name: values.name } : {}) } : { name: values.name!, newIdentity: values.new };
      jobs.push({ target, label: values.name ?? values.id!, photos: collectImages(positionals) });
    } else {
      for (const root of positionals) {
        const tree = personFolders(root);
        if (tree.people.length === 0) throw new UsageError(`${root} has no person folders: use --name <person> for photos of one person`);
        for (const p of tree.people) jobs.push({ target: { name: p.name }, label: p.name, photos: p.photos });
        loose.push(...tree.loose);
      }
    }
    const pipeline = await loadPipeline(values.models);
    const gallery = await openForPipeline(galleryPath, pipeline);
    const total = jobs.reduce((n, j) => n + j.photos.length, 0);
    const bar = createProgress({ label: 'enroll', total, silent: json });
    const results: { label: string; result: EnrollPhotosResult }[] = [];
    try {
      let done = 0;
      for (const job of jobs) {
        const result = await enrollPhotos(gallery, pipeline, job.target, job.photos, {
          largest: values.largest,
          allowLowQuality: values['allow-low-quality'],
          onPhoto: () => bar.update(++done, { text: job.label }),
        });
        results.push({ label: job.label, result });
      }
    } finally {
      bar.stop();
      gallery.close();
      await pipeline.dispose();
    }
    const rejected = [...loose.map((source) => ({ person: '-', source, reason: 'not-in-person-folder', detail: 'a loose photo: put it in a folder named after the person' })),
      ...results.flatMap((r) => r.result.rejected.map((x) => ({ person: r.label, source: x.source, reason: x.reason, detail: x.detail })))];
    const added = results.reduce((n, r) => n + (r.result.enrolled?.added.length ?? 0), 0);
    if (json) {
      console.log(JSON.stringify({
        gallery: galleryPath,
        people: results.map((r) => ({ name: r.label, identity: r.result.enrolled?.identity ?? null, created: r.result.enrolled?.created ?? false, added: r.result.enrolled?.added.length ?? 0 })),
        added,
        rejected,
      }, null, 2));
    } else {
      console.log(formatTable(['person', 'id', 'templates added', 'new identity'], results.map((r) => [r.label, r.result.enrolled?.identity.id ?? '-', String(r.result.enrolled?.added.length ?? 0), r.result.enrolled ? (r.result.enrolled.created ? 'yes' : 'no (added to existing)') : '-'])));
      if (rejected.length) console.log(`\nrejected ${rejected.length} photo(s):\n${formatTable(['person', 'photo', 'reason', 'detail'], rejected.map((r) => [r.person, r.source, r.reason, r.detail]))}`);
      console.log(`\n${added} template(s) added to ${galleryPath}`);
    }
    return added > 0 ? EXIT.OK : EXIT.FAILURE;
  },
});
