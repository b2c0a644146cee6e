/**
 * `arcedge enroll <folder|image>... --gallery <file> [--name <person>]`: enrolls people from
 * photos. With --name every photo is that person; without it each argument is a
 * `<person>/<images>` tree. Every photo passes the quality gate; a photo with no face or several
 * faces enrolls the --subject face; near-duplicates are skipped and counted apart; every photo's
 * verdict is reported, and a person left without a template fails the command.
 */
import { enrollPhotos, type EnrollPhotosResult, type EnrollTarget, type PhotoVerdict } from '../../sdk/index.ts';
import { defineCommand, EXIT, formatTable, UsageError } from '../cli/command.ts';
import { createProgress } from '../cli/progress.ts';
import { collectImages, DETECTOR_OPTION, EMBEDDER_OPTION, GALLERY_OPTION, KEY_HELP, loadPipeline, MODELS_OPTION, openForPipeline, parseSubject, personFolders, requireGallery, SUBJECT_OPTION } from './gallery/common.ts';

export const enrollCommand = defineCommand({
  name: 'enroll',
  summary: 'enroll people from photos into a gallery (a folder per person, or --name for one person)',
  args: '<folder|image>...',
  details: `Without --name each argument is a folder of person folders: people/<name>/<photos>.
Enrolling a name that exists adds to that identity; --new creates another identity with the
same name (ids are unique, names need not be); several identities with one name need --id.
A photo with several faces enrolls the one --subject picks (default centre: insightface's
area-minus-centre-offset rule). Every photo gets a verdict (enrolled, duplicate, refused) with
a reason in words; --json lists them all. Near-duplicates (cosine >= 0.95 to a template the
person already has) are counted apart: they are not failures.
Exit 1 when any person ends with no template (named on stderr), or nothing was enrolled.

${KEY_HELP}`,
  options: {
    gallery: GALLERY_OPTION,
    name: { type: 'string', valueName: 'person', description: 'every photo is this person' },
    id: { type: 'string', valueName: 'id', description: 'add to the identity with this id (with --name: create it with this id if missing)' },
    new: { type: 'boolean', description: 'with --name: always create a new identity, even when the name exists' },
    models: MODELS_OPTION,
    detector: DETECTOR_OPTION,
    embedder: EMBEDDER_OPTION,
    subject: SUBJECT_OPTION,
    largest: { type: 'boolean', description: 'same as --subject largest' },
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
    const subject = values.largest ? 'largest' : parseSubject(values.subject);
    const pipeline = await loadPipeline(values.models, undefined, values);
    const gallery = await openForPipeline(galleryPath, pipeline);
    const total = jobs.reduce((n, j) => n + j.photos.length, 0);
    const bar = createProgress({ label: 'enroll', total, silent: json });
    const results: { label: string; result: EnrollPhotosResult }[] = [];
    try {
      let done = 0;
      for (const job of jobs) {
        const result = await enrollPhotos(gallery, pipeline, job.target, job.photos, {
          subject,
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
    const looseVerdicts: PhotoVerdict[] = loose.map((source) => ({ source, outcome: 'refused', reason: 'not-in-person-folder', message: 'a loose photo: put it in a folder named after the person' }));
    const count = (verdicts: readonly PhotoVerdict[], outcome: PhotoVerdict['outcome']): number => verdicts.filter((v) => v.outcome === outcome).length;
    const people = results.map((r) => ({
      name: r.label,
      identity: r.result.enrolled?.identity ?? null,
      created: r.result.enrolled?.created ?? false,
      photos: r.result.verdicts.length,
      added: count(r.result.verdicts, 'enrolled'),
      duplicates: count(r.result.verdicts, 'duplicate'),
      refused: count(r.result.verdicts, 'refused'),
    }));
    const added = people.reduce((n, p) => n + p.added, 0);
    const duplicates = people.reduce((n, p) => n + p.duplicates, 0);
    const refusedCount = people.reduce((n, p) => n + p.refused, 0) + looseVerdicts.length;
    // A person with no template is the failure users miss in a table: name them on stderr and exit 1.
    const missing = results.filter((r) => r.result.enrolled === null);
    if (json) {
      console.log(JSON.stringify({
        gallery: galleryPath,
        models: pipeline.models,
        people,
        added,
        duplicates,
        refused: refusedCount,
        notEnrolled: missing.map((r) => r.label),
        // Kept for scripts written before the verdicts: refusals and near-duplicates as before.
        rejected: [...looseVerdicts.map((v) => ({ person: '-', source: v.source, reason: v.reason, detail: v.message })), ...results.flatMap((r) => r.result.rejected.map((x) => ({ person: r.label, source: x.source, reason: x.reason, detail: x.detail })))],
        photos: [...results.flatMap((r) => r.result.verdicts.map((v) => ({ person: r.label, ...v }))), ...looseVerdicts.map((v) => ({ person: null, ...v }))],
      }, null, 2));
    } else {
      console.log(formatTable(['person', 'id', 'added', 'duplicates', 'refused', 'new identity'], results.map((r, i) => [r.label, r.result.enrolled?.identity.id ?? '-', String(people[i]!.added), String(people[i]!.duplicates), String(people[i]!.refused), r.result.enrolled ? (r.result.enrolled.created ? 'yes' : 'no (added to existing)') : 'NOT ENROLLED'])));
      const refusedRows = [...looseVerdicts.map((v) => ['-', v]), ...results.flatMap((r) => r.result.verdicts.filter((v) => v.outcome === 'refused').map((v) => [r.label, v]))] as [string, PhotoVerdict][];
      if (refusedRows.length) console.log(`\nrefused ${refusedRows.length} photo(s):\n${formatTable(['person', 'photo', 'reason', 'why'], refusedRows.map(([p, v]) => [p, v.source, v.reason ?? '-', v.message]))}`);
      const dupRows = results.flatMap((r) => r.result.verdicts.filter((v) => v.outcome === 'duplicate').map((v) => [r.label, v.source, v.message]));
      if (dupRows.length) console.log(`\nskipped ${dupRows.length} near-duplicate photo(s) (not failures):\n${formatTable(['person', 'photo', 'why'], dupRows)}`);
      console.log(`\n${added} template(s) added to ${galleryPath}; ${duplicates} near-duplicate(s) skipped; ${refusedCount} photo(s) refused`);
    }
    if (missing.length > 0) {
      const why = (r: (typeof results)[number]): string => {
        const reasons = new Map<string, number>();
        for (const v of r.result.verdicts) if (v.outcome === 'refused') reasons.set(v.reason ?? '?', (reasons.get(v.reason ?? '?') ?? 0) + 1);
        return r.result.verdicts.length === 0 ? 'no photos' : [...reasons].map(([k, n]) => `${n} ${k}`).join(', ');
      };
      console.error(`enroll: ${missing.length} of ${results.length} people got no template and are not in the gallery: ${missing.map((r) => `${r.label} (${why(r)})`).join('; ')}`);
      return EXIT.FAILURE;
    }
    return added > 0 || duplicates > 0 ? EXIT.OK : EXIT.FAILURE;
  },
});
