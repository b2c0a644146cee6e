/**
 * What `arcedge eval` verifies: a list of images and the labelled pairs between them, read
 * from one of four inputs:
 *
 * - a labelled folder (`<person>/<images>`, or deepface's master.csv): tools/probe/labelled-faces.ts;
 * - LFW's `pairs.txt` (view 2: a header `<sets> <pairs per set>`, then per set that many
 *   same-person lines `name n1 n2` and as many different-person lines `name1 n1 name2 n2`;
 *   an image is `<root>/<name>/<name>_<n as 4 digits>.jpg`), with an --images root;
 * - a CSV `a,b,same` (paths relative to --images, else to the CSV's folder; same is 1/0,
 *   true/false or yes/no; a header row is optional);
 * - an insightface `.bin` (encoded images in the file itself).
 *
 * Pair order is kept: the 10-fold protocol cuts folds in this order (LFW's sets).
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import { readLabelledFaces } from './labelled-faces.ts';
import { parseInsightfaceBin } from './insightface-bin.ts';

export interface EvalImage {
  /** Shown in reports: a path, or `<file.bin>#<index>`. */
  readonly name: string;
  /** A path to read, or the encoded bytes. */
  readonly source: string | Uint8Array;
}

export interface EvalPair {
  readonly a: number;
  readonly b: number;
  readonly same: boolean;
}

export interface EvalInput {
  readonly kind: 'folder' | 'lfw-pairs' | 'csv' | 'insightface-bin';
  readonly description: string;
  readonly images: readonly EvalImage[];
  readonly pairs: readonly EvalPair[];
}

const invalid = (message: string, fix: string): ArcEdgeError => new ArcEdgeError('INVALID_ARGUMENT', message, { fix });

/** Interns paths so each image is decoded and embedded once however many pairs use it. */
function fromPathPairs(kind: EvalInput['kind'], description: string, raw: readonly { a: string; b: string; same: boolean }[]): EvalInput {
  const index = new Map<string, number>();
  const images: EvalImage[] = [];
  const id = (path: string): number => {
    let i = index.get(path);
    if (i === undefined) {
      i = images.length;
      index.set(path, i);
      images.push({ name: path, source: path });
    }
    return i;
  };
  const pairs = raw.map((p) => ({ a: id(p.a), b: id(p.b), same: p.same }));
  return { kind, description, images, pairs };
}

const lfwImage = (root: string, name: string, n: string): string => join(root, name, `${name}_${n.padStart(4, '0')}.jpg`);

export function readLfwPairs(file: string, imagesRoot: string): EvalInput {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const header = lines.shift()!.split(/\s+/);
  const raw = lines.map((line, i) => {
    const cells = line.split(/\s+/);
    if (cells.length === 3) return { a: lfwImage(imagesRoot, cells[0]!, cells[1]!), b: lfwImage(imagesRoot, cells[0]!, cells[2]!), same: true };
    if (cells.length === 4) return { a: lfwImage(imagesRoot, cells[0]!, cells[1]!), b: lfwImage(imagesRoot, cells[2]!, cells[3]!), same: false };
    throw invalid(`${file}:${i + 2}: expected "name n1 n2" or "name1 n1 name2 n2", got "${line}"`, "use LFW's pairs.txt format");
  });
  // View 2 header "10 300": 10 sets of 300 same + 300 different. pairsDevTest has one number.
  const expected = Number(header[0]) * Number(header[1]) * 2;
  if (header.length === 2 && expected !== raw.length) {
    throw invalid(`${file}: header "${header.join(' ')}" promises ${expected} pairs, found ${raw.length}`, 'check the file is complete');
  }
  return fromPathPairs('lfw-pairs', `${basename(file)} (LFW pairs, images under ${imagesRoot})`, raw);
}

const TRUE = new Set(['1', 'true', 'yes']);
const FALSE = new Set(['0', 'false', 'no']);

export function readCsvPairs(file: string, imagesRoot?: string): EvalInput {
  const root = imagesRoot ?? dirname(file);
  const rows = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim());
  const raw = rows.flatMap((row, i) => {
    const cells = row.split(',').map((c) => c.trim());
    const label = cells[2]?.toLowerCase() ?? '';
    if (cells.length === 3 && (TRUE.has(label) || FALSE.has(label))) return [{ a: resolve(root, cells[0]!), b: resolve(root, cells[1]!), same: TRUE.has(label) }];
    if (i === 0) return []; // header row
    throw invalid(`${file}:${i + 1}: expected "a,b,same" with same one of 1/0, true/false, yes/no; got "${row}"`, 'one pair per line: path_a,path_b,1');
  });
  return fromPathPairs('csv', `${basename(file)} (CSV pairs)`, raw);
}

export function readBinPairs(file: string): EvalInput {
  const bin = parseInsightfaceBin(readFileSync(file), file);
  const images = bin.images.map((bytes, i) => ({ name: `${basename(file)}#${i}`, source: bytes }));
  const pairs = bin.issame.map((same, i) => ({ a: 2 * i, b: 2 * i + 1, same }));
  return { kind: 'insightface-bin', description: `${basename(file)} (insightface .bin)`, images, pairs };
}

export function readLabelledFolder(dir: string): EvalInput {
  const faces = readLabelledFaces(dir);
  return {
    kind: 'folder',
    description: `${dir} (labelled folder)`,
    images: faces.images.map((path) => ({ name: path, source: path })),
    pairs: faces.pairs,
  };
}

/** Picks the reader from what `input` is: a folder, a .bin, a .csv, else an LFW pairs file. */
export function readEvalInput(input: string, imagesRoot?: string): EvalInput {
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch {
    throw invalid(`${input} does not exist`, 'pass a labelled folder, an LFW pairs.txt (with --images), a CSV of a,b,same, or an insightface .bin');
  }
  if (isDir) return readLabelledFolder(input);
  if (/\.bin$/i.test(input)) return readBinPairs(input);
  if (/\.csv$/i.test(input)) return readCsvPairs(input, imagesRoot);
  if (!imagesRoot) throw invalid(`${input}: an LFW pairs file needs --images <root> (the folder holding <name>/<name>_0001.jpg)`, 'add --images <lfw root>');
  return readLfwPairs(input, imagesRoot);
}
