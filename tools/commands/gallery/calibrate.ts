/**
 * `arcedge gallery calibrate <people folder>... --gallery <file>`: thresholds at FAR 1e-2, 1e-3
 * and 1e-4 from labelled photos (a folder per person) or a pairs list, and the chosen one
 * stored with the gallery and its model id.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_SUBJECT_RULE, openGallery, selectSubject, recommendThresholds, pairScores, type Calibration, type FacePipeline, type Gallery, type LabelledEmbedding } from '../../../sdk/index.ts';
import { defineCommand, EXIT, formatTable, parseNumber, UsageError } from '../../cli/command.ts';
import { createProgress } from '../../cli/progress.ts';
import { GALLERY_OPTION, KEY_HELP, DETECTOR_OPTION, EMBEDDER_OPTION, loadPipeline, MODELS_OPTION, personFolders, requireGallery } from './common.ts';

async function embedSubject(pipeline: FacePipeline, path: string): Promise<Float32Array | undefined> {
  const { frame } = await pipeline.loadFrame(path);
  const faces = await pipeline.detect(frame);
  const face = selectSubject(faces, frame, DEFAULT_SUBJECT_RULE)[0];
  if (!face) return undefined;
  return (await pipeline.embed([pipeline.align(frame, face).crop]))[0];
}

/** A pairs list: `a,b,same` per line (same: yes/no/1/0/true/false), paths relative to the list; a header line is skipped. */
function readPairs(file: string): { a: string; b: string; same: boolean }[] {
  const rows = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const parsed = rows.map((row) => row.split(',').map((c) => c.trim()));
  const truthy = (v: string): boolean | undefined => (/^(yes|1|true|same)$/i.test(v) ? true : /^(no|0|false|different)$/i.test(v) ? false : undefined);
  const body = parsed[0] && truthy(parsed[0][2] ?? '') === undefined ? parsed.slice(1) : parsed;
  return body.map(([a, b, s], i) => {
    const same = truthy(s ?? '');
    if (!a || !b || same === undefined) throw new UsageError(`${file}: line ${i + 1} is not "a,b,same"`);
    return { a: resolve(dirname(file), a), b: resolve(dirname(file), b), same };
  });
}

/** Prints the table (with each value's pair count and confidence) and stores the chosen threshold. */
function report(gallery: Gallery, calibration: Calibration, far: number, missed: readonly string[], dryRun: boolean, json: boolean, from: string): number {
  const chosen = calibration.recommendations.find((r) => r.far === far)!;
  const stored = dryRun ? undefined : gallery.setThreshold({ threshold: chosen.threshold, far, source: 'calibrated' });
  if (json) console.log(JSON.stringify({ ...calibration, from, missed, chosen, stored: stored ?? null }, null, 2));
  else {
    const pct = (v: number): string => (v < 1e-3 ? v.toExponential(1) : `${(100 * v).toFixed(2)}%`);
    console.log(
      formatTable(
        ['FAR', 'threshold', '95% range', 'impostors above', 'true FAR 95%', 'TAR', 'measurable'],
        calibration.recommendations.map((r) => [
          String(r.far),
          r.threshold.toFixed(4),
          `${r.thresholdInterval95[0].toFixed(3)}..${r.thresholdInterval95[1].toFixed(3)}`,
          `${r.impostorsAbove}/${calibration.differentPairs}`,
          `${pct(r.farInterval95[0])}..${pct(r.farInterval95[1])}`,
          `${(100 * r.tar).toFixed(1)}%`,
          r.measurable ? 'yes' : `no (< ${Math.ceil(1 / r.far)} different pairs)`,
        ]),
      ),
    );
    console.log(`\n${calibration.samePairs} same and ${calibration.differentPairs} different pairs from ${from}${missed.length ? `; no face in ${missed.length} photo(s): ${missed.join(', ')}` : ''}`);
    console.log(stored ? `stored threshold ${stored.threshold.toFixed(4)} (FAR ${far}) for ${stored.modelId}` : 'dry run: nothing stored');
  }
  return EXIT.OK;
}

export const calibrateCommand = defineCommand({
  name: 'gallery calibrate',
  summary: 'recommend thresholds at FAR 1e-2/1e-3/1e-4 from labelled photos or a pairs list, and store the chosen one',
  args: '[people folder]...',
  details: `With no folders and no --pairs: the gallery's own templates (every pair of enrolled
templates, same identity or not; no model is loaded).
Labelled photos: folders of person folders (people/<name>/<photos>); every pair of photos is
scored. A pairs list (--pairs) is a CSV of "photo a,photo b,yes|no". A FAR needs at least 1/FAR
different-person pairs to be measured; with fewer the table says "not measurable" and the
threshold is the highest impostor score.

${KEY_HELP}`,
  options: {
    gallery: GALLERY_OPTION,
    models: MODELS_OPTION,
    detector: DETECTOR_OPTION,
    embedder: EMBEDDER_OPTION,
    pairs: { type: 'string', valueName: 'csv', description: 'a pairs list instead of (or besides) labelled folders' },
    far: { type: 'string', default: '0.001', valueName: 'rate', description: 'the FAR whose threshold is stored' },
    'dry-run': { type: 'boolean', description: 'print the recommendations, store nothing' },
  },
  async run({ values, positionals, json }) {
    const path = requireGallery(values.gallery);
    const far = parseNumber('far', values.far)!;
    if (!(far > 0 && far < 1)) throw new UsageError(`--far must be within (0, 1), got ${far}`);
    const gallery = await openGallery(path, { create: false });
    if (positionals.length === 0 && !values.pairs) {
      // The gallery's own templates: every pair of templates, same identity or not. No model needed.
      try {
        const labelled: LabelledEmbedding[] = [...gallery.templates()].map((t) => ({ label: t.identityId, embedding: t.embedding }));
        const scores = pairScores(labelled);
        if (scores.same.length === 0 || scores.different.length === 0) {
          throw new UsageError(`the gallery has ${labelled.length} template(s) giving ${scores.same.length} same and ${scores.different.length} different pairs; calibrating from it needs two people with two templates each: give labelled folders or --pairs <csv>`);
        }
        return report(gallery, recommendThresholds(scores.same, scores.different, [...new Set([1e-2, 1e-3, 1e-4, far])].sort((a, b) => b - a)), far, [], values['dry-run'], json, `the gallery's ${labelled.length} templates`);
      } finally {
        gallery.close();
      }
    }
    const pipeline = await loadPipeline(values.models, undefined, values);
    try {
      if (pipeline.manifests.embed?.id !== gallery.metadata().modelId) {
        throw new UsageError(`--models ${values.models} has recognizer ${pipeline.manifests.embed?.id}; the gallery holds ${gallery.metadata().modelId}`);
      }
      const labelled: LabelledEmbedding[] = [];
      const people = positionals.flatMap((root) => personFolders(root).people.flatMap((p) => p.photos.map((photo) => ({ label: p.name, photo }))));
      const pairs = values.pairs ? readPairs(values.pairs) : [];
      const cache = new Map<string, Float32Array | undefined>();
      const photos = [...new Set([...people.map((p) => p.photo), ...pairs.flatMap((p) => [p.a, p.b])])];
      const bar = createProgress({ label: 'calibrate', total: photos.length, silent: json });
      for (const photo of photos) {
        cache.set(photo, await embedSubject(pipeline, photo));
        bar.increment();
      }
      bar.stop();
      for (const p of people) {
        const e = cache.get(p.photo);
        if (e) labelled.push({ label: p.label, embedding: e });
      }
      const scores = pairScores(labelled);
      for (const p of pairs) {
        const a = cache.get(p.a), b = cache.get(p.b);
        if (!a || !b) continue;
        let dot = 0;
        for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
        (p.same ? scores.same : scores.different).push(dot);
      }
      const missed = photos.filter((p) => !cache.get(p));
      const calibration = recommendThresholds(scores.same, scores.different, [...new Set([1e-2, 1e-3, 1e-4, far])].sort((a, b) => b - a));
      return report(gallery, calibration, far, missed, values['dry-run'], json, `${photos.length} photo(s)`);
    } finally {
      gallery.close();
      await pipeline.dispose();
    }
  },
});
