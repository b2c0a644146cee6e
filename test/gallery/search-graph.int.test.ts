/**
 * The HNSW search graph behind identify() (sdk/gallery/search-graph.ts), on a small real SQLite
 * gallery forced onto the graph (search: 'hnsw'): same answers as the exact scan of the same
 * file; a forgotten person is never returned; the graph file is saved on close and loaded at the
 * next open; a stale (another process enrolled), foreign (other model/generation) or damaged
 * (truncated, bytes flipped) graph is detected at open, logged and rebuilt. 1M-template speed
 * and recall live in the bench (test/bench/ann-bench.ts), not here.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openGallery, type Gallery, type GalleryOptions } from '../../sdk/index.ts';
import { crop } from './contract.ts';
import { near, rng, unitVector } from './random.ts';

const DIM = 128;
const PEOPLE = 400;
const MODEL = { id: 'synthetic-128', embeddingSize: DIM, recommendedThreshold: 0.35 };

interface Fixture {
  readonly path: string;
  readonly people: Float32Array[];
  readonly ids: string[];
}

/** PEOPLE identities, 2 templates each, in a fresh gallery file (exact path while enrolling). */
async function fixture(): Promise<Fixture> {
  const path = join(mkdtempSync(join(tmpdir(), 'arcedge-graph-')), 'g.db');
  const random = rng(21);
  const gallery = await openGallery(path, { model: MODEL, search: 'exact' });
  const people: Float32Array[] = [];
  const ids: string[] = [];
  for (let p = 0; p < PEOPLE; p++) {
    const person = unitVector(DIM, random);
    people.push(person);
    const templates = [0, 1].map((t) => ({ embedding: near(person, 0.8, random), crop: crop(p * 2 + t) }));
    ids.push(gallery.enroll({ name: `p${p}` }, templates, { duplicateThreshold: 1.01 }).identity.id);
  }
  gallery.close();
  return { path, people, ids };
}

async function open(path: string, lines: string[], extra: GalleryOptions = {}): Promise<Gallery> {
  return openGallery(path, { search: 'hnsw', logger: (line) => lines.push(line), ...extra });
}

const searchPath = (g: Gallery): string => (g as unknown as { searchPath: string }).searchPath;

/** Probes: one near each of the first 150 people, plus 50 strangers. */
function probes(people: readonly Float32Array[]): Float32Array[] {
  const random = rng(22);
  return [...people.slice(0, 150).map((p) => near(p, 0.6, random)), ...Array.from({ length: 50 }, () => unitVector(DIM, random))];
}

function assertSameAnswers(graph: Gallery, exact: Gallery, queries: readonly Float32Array[], label: string): void {
  queries.forEach((q, i) => {
    const a = graph.identify(q);
    const b = exact.identify(q);
    assert.equal(a.identity?.id ?? null, b.identity?.id ?? null, `${label} probe ${i}: identity`);
    assert.equal(a.candidate?.id ?? null, b.candidate?.id ?? null, `${label} probe ${i}: candidate`);
    assert.equal(a.score, b.score, `${label} probe ${i}: score (exact re-scoring of the graph's candidates)`);
    assert.equal(a.reason, b.reason, `${label} probe ${i}: reason`);
  });
}

test('graph search gives the exact answer, never returns a forgotten person, and survives close/open', async () => {
  const { path, people, ids } = await fixture();
  const twin = `${path}.twin.db`;
  copyFileSync(path, twin);
  const lines: string[] = [];
  const graph = await open(path, lines);
  // A small gallery's graph is built on one thread in key order (hnsw.ts buildThreads): the same
  // file gives the same graph, byte for byte, so these comparisons cannot pass or fail by chance.
  (await open(twin, [])).close();
  assert.ok(readFileSync(`${path}.ann`).equals(readFileSync(`${twin}.ann`)), 'two builds of one gallery give the same graph');
  const exact = await openGallery(path, { search: 'exact' });
  assert.equal(searchPath(graph), 'hnsw');
  assert.equal(searchPath(exact), 'exact');
  assert.match(lines.join('\n'), /built the search graph .* 800 templates/);
  assert.ok(existsSync(`${path}.ann`) && existsSync(`${path}.ann.json`), 'graph saved beside the gallery after the build');
  assert.equal(statSync(`${path}.ann`).mode & 0o777, 0o600, 'the graph holds embeddings: private like the gallery');
  const queries = probes(people);
  assertSameAnswers(graph, exact, queries, 'fresh');

  // Forget 20 people through the graph's gallery: none of them can come back, by identify or rank.
  for (const id of ids.slice(0, 20)) assert.ok(graph.removeIdentity(id));
  exact.reload();
  for (let p = 0; p < 20; p++) {
    const own = graph.identify(people[p]!);
    assert.notEqual(own.identity?.id, ids[p], `forgotten p${p} identified`);
    assert.notEqual(own.candidate?.id, ids[p], `forgotten p${p} as candidate`);
    assert.ok(!graph.rank(people[p]!, 10).some((r) => r.identity.id === ids[p]), `forgotten p${p} ranked`);
  }
  assertSameAnswers(graph, exact, queries, 'after forget');
  graph.close();
  exact.close();

  // The saved graph now matches the file: loaded, no rebuild, same answers.
  const reopenedLines: string[] = [];
  const reopened = await open(path, reopenedLines);
  const exactAgain = await openGallery(path, { search: 'exact' });
  assert.deepEqual(reopenedLines, [], 'a matching graph is loaded silently');
  assert.equal(searchPath(reopened), 'hnsw');
  assertSameAnswers(reopened, exactAgain, queries, 'reopened');
  reopened.close();
  exactAgain.close();
});

test('a stale, foreign or damaged graph is detected at open, logged and rebuilt', async () => {
  const { path, people } = await fixture();
  const first = await open(path, []);
  first.close(); // graph saved
  const random = rng(23);

  // Another process (the CLI) enrolls while the graph file stays as it was.
  const cli = await openGallery(path, { search: 'exact' });
  const newcomer = unitVector(DIM, random);
  const enrolled = cli.enroll({ name: 'newcomer' }, [{ embedding: newcomer, crop: crop(9999) }]);
  cli.close();
  let lines: string[] = [];
  let g = await open(path, lines);
  assert.match(lines.join('\n'), /not used: count is 800, the gallery has 801/);
  assert.equal(g.identify(near(newcomer, 0.7, random)).identity?.id, enrolled.identity.id, 'the rebuilt graph holds the newcomer');
  g.close();

  const header = JSON.parse(readFileSync(`${path}.ann.json`, 'utf8')) as Record<string, unknown>;
  const cases: [string, () => void, RegExp][] = [
    ['other model', () => writeFileSync(`${path}.ann.json`, JSON.stringify({ ...header, modelId: 'other-model' })), /modelId is "other-model"/],
    ['other generation', () => writeFileSync(`${path}.ann.json`, JSON.stringify({ ...header, generation: 7 })), /generation is 7/],
    ['half written', () => truncateSync(`${path}.ann`, Math.floor(Number(header.bytes) / 2)), /half written/],
    [
      'bytes flipped',
      () => {
        const bytes = readFileSync(`${path}.ann`);
        bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
        writeFileSync(`${path}.ann`, bytes);
      },
      /does not match its sha256/,
    ],
    ['header not JSON', () => writeFileSync(`${path}.ann.json`, '{"format": "arcedge-ann", '), /cannot be read/],
  ];
  const exact = await openGallery(path, { search: 'exact' });
  const queries = probes(people);
  for (const [label, damage, expected] of cases) {
    damage();
    lines = [];
    g = await open(path, lines);
    assert.match(lines.join('\n'), expected, label);
    assert.match(lines.join('\n'), /rebuilding it from the gallery \(801 templates\)/, label);
    assertSameAnswers(g, exact, queries, label);
    g.close();
  }
  exact.close();
});

test('a read-only open uses a valid graph and writes none; auto stays exact below the crossover', async () => {
  const { path, people } = await fixture();
  const lines: string[] = [];
  const readOnly = await open(path, lines, { readOnly: true });
  assert.equal(searchPath(readOnly), 'hnsw');
  assert.ok(!existsSync(`${path}.ann`), 'read-only: graph built in memory, not written');
  readOnly.close();
  const auto = await openGallery(path, { logger: (line) => lines.push(line) });
  assert.equal(searchPath(auto), 'exact', '800 templates is far below the 100k crossover');
  assert.equal(auto.identify(near(people[3]!, 0.7, rng(5))).identity?.name, 'p3');
  auto.close();
  const low = await openGallery(path, { annMinTemplates: 500, logger: (line) => lines.push(line) });
  assert.equal(searchPath(low), 'hnsw', 'auto with a crossover under the size');
  low.close();
});
