/**
 * Labelled face photos for `arcedge eval` and `arcedge models probe`: which images show the same
 * person. Two layouts are read, anywhere under the root (the project's dev sets,
 * test/analyzer/dev-sets.ts, are read with the same functions):
 *
 * - a folder of person folders (at least two, each holding images and no further folders): the
 *   person is the folder name, and every pair of images inside that parent is a pair;
 * - a folder with `master.csv` (deepface's layout: `file_x,file_y,Decision` with Yes/No rows):
 *   exactly the listed pairs.
 *
 * Anything else (loose photos, group shots) is ignored: a wrong label would poison the measurement.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';

export interface LabelledPair {
  /** Indexes into LabelledFaces.images. */
  readonly a: number;
  readonly b: number;
  readonly same: boolean;
}

export interface LabelledFaces {
  readonly root: string;
  /** Image paths, sorted, each once. */
  readonly images: readonly string[];
  readonly pairs: readonly LabelledPair[];
}

const IMAGE = /\.(png|jpe?g|bmp|webp)$/i;
export const PAIRS_FILE = 'master.csv';

const subdirs = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
const imagesIn = (dir: string): string[] => readdirSync(dir).filter((f) => IMAGE.test(f)).sort().map((f) => join(dir, f));

/** A pair of image paths and whether they show the same person. */
export interface RawPair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

export interface PersonImage {
  readonly path: string;
  /** The person folder's name. */
  readonly person: string;
}

/** The images of a folder of person folders (at least two, each with images and no sub-folders), else undefined. */
export function personFolderImages(dir: string): PersonImage[] | undefined {
  const people = subdirs(dir);
  if (people.length < 2) return undefined;
  const isPersonFolder = (name: string): boolean => subdirs(join(dir, name)).length === 0 && imagesIn(join(dir, name)).length > 0;
  if (!people.every(isPersonFolder)) return undefined;
  return people.flatMap((person) => imagesIn(join(dir, person)).map((path) => ({ path, person })));
}

/** Every pair of the images, same when their person is. */
export function allPairs(images: readonly PersonImage[]): RawPair[] {
  const pairs: RawPair[] = [];
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) pairs.push({ a: images[i]!.path, b: images[j]!.path, same: images[i]!.person === images[j]!.person });
  }
  return pairs;
}

/** The pairs a `master.csv` in `dir` lists (deepface's layout: file_x,file_y,Decision). */
export function csvPairs(dir: string): RawPair[] {
  const path = join(dir, PAIRS_FILE);
  const rows = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = rows.shift()?.split(',').map((c) => c.trim().toLowerCase()) ?? [];
  const [ix, iy, id] = ['file_x', 'file_y', 'decision'].map((name) => header.indexOf(name));
  if (ix! < 0 || iy! < 0 || id! < 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${path}: expected a header with file_x,file_y,Decision; got "${header.join(',')}"`, {
      fix: 'list pairs as file_x,file_y,Decision rows (Decision Yes for the same person, No otherwise)',
    });
  }
  return rows.map((row) => {
    const cells = row.split(',').map((c) => c.trim());
    return { a: join(dir, cells[ix!]!), b: join(dir, cells[iy!]!), same: cells[id!]!.toLowerCase() === 'yes' };
  });
}

function walk(dir: string, out: RawPair[]): void {
  if (existsSync(join(dir, PAIRS_FILE))) out.push(...csvPairs(dir));
  const people = personFolderImages(dir);
  if (people) {
    out.push(...allPairs(people));
    return;
  }
  for (const sub of subdirs(dir)) walk(join(dir, sub), out);
}

/** Every labelled pair under `root`; fails when there are no same or no different pairs. */
export function readLabelledFaces(root: string): LabelledFaces {
  if (!existsSync(root)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `labelled faces folder ${root} does not exist`, { fix: 'pass --faces <folder> with one folder per person inside' });
  }
  const raw: RawPair[] = [];
  walk(root, raw);
  const missing = raw.flatMap((p) => [p.a, p.b]).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `pairs list files that do not exist: ${[...new Set(missing)].slice(0, 5).join(', ')}`, {
      fix: `correct the ${PAIRS_FILE} rows`,
    });
  }
  const images = [...new Set(raw.flatMap((p) => [p.a, p.b]))].sort();
  const index = new Map(images.map((path, i) => [path, i]));
  const pairs = raw.map((p) => ({ a: index.get(p.a)!, b: index.get(p.b)!, same: p.same }));
  const same = pairs.filter((p) => p.same).length;
  if (same === 0 || same === pairs.length) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${root}: found ${same} same-person and ${pairs.length - same} different-person pairs; both are needed`, {
      fix: `put each person's photos in a folder named after them (at least two people, some with two or more photos), or list pairs in a ${PAIRS_FILE}`,
      details: { root, images: images.map((p) => relative(root, p)) },
    });
  }
  return { root, images, pairs };
}
