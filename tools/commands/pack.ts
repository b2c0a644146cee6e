/**
 * `arcedge pack <image-folder> <out-dir>`: `<person>/<images>` -> an insightface-layout
 * RecordIO set (train.rec, train.idx, property) of aligned 112x112 JPEG crops, readable by the
 * trainer (and by MXNet/insightface tools). Every skipped photo is reported with its reason.
 */
import { mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { defineCommand, formatTable } from '../cli/command.ts';
import { createProgress } from '../cli/progress.ts';
import { createPhotoAligner, listPeople } from '../train/align-photos.ts';
import { writeInsightfaceSet } from '../train/recordio.ts';

export const packCommand = defineCommand({
  name: 'pack',
  summary: 'turn <person>/<images> photos into an aligned RecordIO training set (train.rec/.idx/property)',
  args: '<image-folder> <out-dir>',
  positionals: { min: 2, max: 2 },
  options: {
    models: { type: 'string', default: 'default', description: 'model set whose detector aligns the faces (e.g. default, buffalo_sc, local:<dir>)' },
    quality: { type: 'string', default: '95', description: 'JPEG quality of the stored crops' },
  },
  async run({ positionals: [input, out], values, json }) {
    const people = listPeople(input!);
    mkdirSync(out!, { recursive: true });
    const aligner = await createPhotoAligner(values.models, Number(values.quality));
    const total = people.reduce((n, p) => n + p.images.length, 0);
    const bar = createProgress({ label: 'pack', total, silent: json });
    const identities: Buffer[][] = [];
    const names: string[] = [];
    const skipped: { path: string; reason: string }[] = [];
    let kept = 0;
    try {
      for (const person of people) {
        const crops: Buffer[] = [];
        for (const path of person.images) {
          const result = await aligner.align(path);
          if (result.ok) {
            crops.push(Buffer.from(result.jpeg));
            if (result.how === 'kept') kept++;
          } else skipped.push({ path, reason: result.reason });
          bar.increment(1, person.name);
        }
        if (crops.length > 0) {
          identities.push(crops);
          names.push(person.name);
        } else skipped.push({ path: person.name, reason: 'no usable photo of this person' });
      }
    } finally {
      bar.stop();
      await aligner.dispose();
    }
    const written = writeInsightfaceSet(out!, identities);
    const summary = { out: out!, ...written, alreadyAligned: kept, skipped, identities: names };
    if (json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(`packed ${written.images} images of ${written.classes} people into ${out}/train.rec (${kept} already aligned, kept as they were)`);
      if (skipped.length) console.log(`\nskipped ${skipped.length}:\n${formatTable(['photo', 'reason'], skipped.map((s) => [relative(input!, s.path) || s.path, s.reason]))}`);
    }
    return written.images > 0 ? 0 : 1;
  },
});
