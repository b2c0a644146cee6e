/**
 * `arcedge pack-pairs <image-folder> <out.bin>`: a verification set in insightface's `.bin`
 * format from `<person>/<images>` photos: every same-person pair (up to half of --pairs) and as
 * many different-person pairs, drawn with a seeded shuffle, aligned like `arcedge pack`.
 * Pairs are shuffled so each of the 10 folds mixes people.
 */
import { writeFileSync } from 'node:fs';
import { defineCommand, parsePositiveInt } from '../cli/command.ts';
import { createProgress } from '../cli/progress.ts';
import { createPhotoAligner, listPeople } from '../train/align-photos.ts';
import { encodeVerificationBin } from '../train/pickle-bin.ts';
import { mulberry32 } from '../random.ts';

/** Same folder and seed, same pairs. */
const random = mulberry32;

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export const packPairsCommand = defineCommand({
  name: 'pack-pairs',
  summary: 'build a verification .bin (insightface format) of same/different pairs from <person>/<images> photos',
  args: '<image-folder> <out.bin>',
  positionals: { min: 2, max: 2 },
  options: {
    models: { type: 'string', default: 'default', description: 'model set whose detector aligns the faces' },
    pairs: { type: 'string', default: '600', description: 'at most this many pairs, half same-person' },
    seed: { type: 'string', default: '1', description: 'seed of the pair draw' },
  },
  async run({ positionals: [input, out], values, json }) {
    const maxPairs = parsePositiveInt('pairs', values.pairs)!;
    const next = random(Number(values.seed));
    const people = listPeople(input!);
    const aligner = await createPhotoAligner(values.models);
    const crops = new Map<string, Uint8Array>();
    const skipped: { path: string; reason: string }[] = [];
    const bar = createProgress({ label: 'align', total: people.reduce((n, p) => n + p.images.length, 0), silent: json });
    try {
      for (const person of people) {
        for (const path of person.images) {
          const r = await aligner.align(path);
          if (r.ok) crops.set(path, r.jpeg);
          else skipped.push({ path, reason: r.reason });
          bar.increment(1, person.name);
        }
      }
    } finally {
      bar.stop();
      await aligner.dispose();
    }
    const usable = people.map((p) => p.images.filter((i) => crops.has(i))).filter((l) => l.length > 0);
    const same: [string, string][] = [];
    for (const list of usable) for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) same.push([list[i]!, list[j]!]);
    const chosenSame = shuffle(same, next).slice(0, Math.floor(maxPairs / 2));
    const different: [string, string][] = [];
    const seen = new Set<string>();
    for (let tries = 0; different.length < chosenSame.length && usable.length > 1 && tries < 100 * maxPairs; tries++) {
      const a = Math.floor(next() * usable.length);
      const b = Math.floor(next() * usable.length);
      if (a === b) continue;
      const pair: [string, string] = [usable[a]![Math.floor(next() * usable[a]!.length)]!, usable[b]![Math.floor(next() * usable[b]!.length)]!];
      const key = pair.join('\0');
      if (!seen.has(key)) seen.add(key), different.push(pair);
    }
    if (chosenSame.length === 0 || different.length === 0) {
      console.error(`${input}: need at least one person with two usable photos and two people; got ${chosenSame.length} same and ${different.length} different pairs`);
      return 1;
    }
    const pairs = shuffle([...chosenSame.map((p) => ({ p, same: true })), ...different.map((p) => ({ p, same: false }))], next);
    writeFileSync(out!, encodeVerificationBin(pairs.flatMap(({ p }) => [crops.get(p[0])!, crops.get(p[1])!]), pairs.map((x) => x.same)));
    const summary = { out: out!, pairs: pairs.length, same: chosenSame.length, different: different.length, skipped };
    if (json) console.log(JSON.stringify(summary, null, 2));
    else console.log(`wrote ${out}: ${pairs.length} pairs (${chosenSame.length} same, ${different.length} different)${skipped.length ? `; skipped ${skipped.length} photos: ${skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}` : ''}`);
    return 0;
  },
});
