/**
 * The event history on real SQLite and real files: filters and cursor paging against an
 * independent filter of what was inserted, retention by age and by size (oldest first, files
 * deleted with their rows), forgetting a person (snapshots gone, identity removed, erasure
 * recorded), and file modes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RecognitionEvent } from '../../sdk/index.ts';
import { EventsQuerySchema } from '../../sdk/index.ts';
import { EventsStore } from '../../agent/events-store/store.ts';
import { pruneEvents } from '../../agent/events-store/retention.ts';
import { assetFace, repoRoot } from '../helpers/assets.ts';

const root = join(repoRoot, 'test', '.tmp', 'events-store');
const JPEG = readFileSync(assetFace('face_recognition', 'examples', 'knn_examples', 'train', 'biden', 'biden.jpg'));
const PEOPLE = [{ id: 'ada', name: 'Ada' }, { id: 'bob', name: 'Bob' }, null] as const;

function fresh(name: string): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function event(i: number, tsMs: number): RecognitionEvent {
  const identity = PEOPLE[i % 3]!;
  return {
    id: randomUUID(),
    type: identity ? 'recognized' : 'unknown',
    device: 'test',
    camera: i % 2 === 0 ? 'door' : 'yard',
    track: i,
    identity: identity ? { ...identity } : null,
    score: 0.5 + (i % 10) / 100,
    ts: new Date(tsMs).toISOString(),
    box: { x1: 0, y1: 0, x2: 10, y2: 10 },
  };
}

const snapshotFiles = (dir: string): string[] => (existsSync(join(dir, 'snapshots')) ? readdirSync(join(dir, 'snapshots'), { recursive: true }).map(String).filter((f) => f.endsWith('.jpg')) : []);
const query = (q: Record<string, unknown>) => EventsQuerySchema.parse(q);

test('filters and cursor paging return exactly the matching events, newest first, each once', () => {
  const dir = fresh('paging');
  const store = new EventsStore(dir);
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  const inserted = Array.from({ length: 130 }, (_, i) => event(i, t0 + i * 60_000));
  for (const e of inserted) assert.equal(store.insert(e, e.type === 'recognized' ? JPEG : undefined), true);
  assert.equal(store.insert(inserted[0]!, JPEG), false, 'a repeated event id (at-least-once delivery) is stored once');

  const cases: { q: Record<string, unknown>; keep: (e: RecognitionEvent) => boolean }[] = [
    { q: {}, keep: () => true },
    { q: { person: 'ada' }, keep: (e) => e.identity?.id === 'ada' },
    { q: { camera: 'yard' }, keep: (e) => e.camera === 'yard' },
    { q: { person: 'bob', camera: 'door' }, keep: (e) => e.identity?.id === 'bob' && e.camera === 'door' },
    { q: { from: new Date(t0 + 30 * 60_000).toISOString(), to: new Date(t0 + 90 * 60_000).toISOString() }, keep: (e) => Date.parse(e.ts) >= t0 + 30 * 60_000 && Date.parse(e.ts) < t0 + 90 * 60_000 },
    { q: { type: 'unknown' }, keep: (e) => e.type === 'unknown' },
  ];
  for (const { q, keep } of cases) {
    const expected = inserted.filter(keep).map((e) => e.id).reverse();
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = store.query(query({ ...q, limit: 17, ...(before ? { before } : {}) }));
      seen.push(...page.events.map((e) => e.id));
      if (!page.next) break;
      before = page.next;
    }
    assert.deepEqual(seen, expected, JSON.stringify(q));
  }
  const one = store.query(query({ person: 'ada', limit: 1 })).events[0]!;
  assert.equal(one.name, 'Ada');
  assert.equal(one.snapshotUrl, `/api/events/${one.id}/snapshot.jpg`);
  assert.deepEqual(store.snapshot(one.id), JPEG);
  assert.equal(statSync(store.path).mode & 0o777, 0o600, 'events.db is 0600');
  for (const f of snapshotFiles(dir)) assert.equal(statSync(join(dir, 'snapshots', f)).mode & 0o077, 0, `${f} is readable by its owner only`);
  store.close();
});

test('retention by days deletes old events and their snapshot files, keeps the rest', () => {
  const dir = fresh('days');
  const store = new EventsStore(dir);
  const now = Date.parse('2026-12-01T12:00:00Z');
  const old = Array.from({ length: 12 }, (_, i) => event(i * 3, now - (40 + i) * 86_400_000)); // every third: recognized, with a snapshot
  const recent = Array.from({ length: 8 }, (_, i) => event(i * 3, now - i * 86_400_000));
  for (const e of [...old, ...recent]) store.insert(e, JPEG);
  assert.equal(snapshotFiles(dir).length, 20);
  const result = pruneEvents(store, { retentionDays: 30, maxMb: 500 }, now);
  assert.equal(result.byAge, old.length);
  const left = store.query(query({ limit: 500 })).events.map((e) => e.id).sort();
  assert.deepEqual(left, recent.map((e) => e.id).sort());
  assert.deepEqual(snapshotFiles(dir).map((f) => f.split('/').pop()).sort(), recent.map((e) => `${e.id}.jpg`).sort(), 'only the kept events still have files');
  store.close();
});

test('retention by size keeps the newest events under maxMb and deletes the oldest first', () => {
  const dir = fresh('size');
  const store = new EventsStore(dir);
  const big = Buffer.concat([JPEG, Buffer.alloc(Math.max(0, 64 * 1024 - JPEG.length))]); // ~64 KiB each
  const t0 = Date.now() - 3_600_000;
  const inserted = Array.from({ length: 60 }, (_, i) => event(i * 3, t0 + i * 1000));
  for (const e of inserted) store.insert(e, big);
  const maxMb = 1.5;
  assert.ok(store.sizeBytes() > maxMb * 1048576, `${store.sizeBytes()} bytes before pruning`);
  const result = pruneEvents(store, { retentionDays: 30, maxMb });
  assert.ok(result.bySize > 0);
  assert.ok(store.sizeBytes() <= maxMb * 1048576, `${store.sizeBytes()} bytes after pruning (limit ${maxMb * 1048576})`);
  const left = store.query(query({ limit: 500 })).events.map((e) => e.id).reverse();
  assert.deepEqual(left, inserted.slice(inserted.length - left.length).map((e) => e.id), 'what is left is the newest events, in order');
  assert.equal(snapshotFiles(dir).length, left.length, 'every deleted event took its file with it');
  store.close();
});

test('forgetting a person deletes their snapshot files, removes them from their events and records the erasure', () => {
  const dir = fresh('forget');
  const store = new EventsStore(dir);
  const inserted = Array.from({ length: 30 }, (_, i) => event(i, Date.now() - (30 - i) * 1000));
  for (const e of inserted) store.insert(e, JPEG);
  const ada = inserted.filter((e) => e.identity?.id === 'ada');
  const record = store.forgetPerson('ada', 'test', 2);
  assert.deepEqual({ snapshots: record.snapshots, events: record.events, templates: record.templates }, { snapshots: ada.length, events: ada.length, templates: 2 });
  const files = snapshotFiles(dir).map((f) => f.split('/').pop());
  for (const e of ada) {
    assert.ok(!files.includes(`${e.id}.jpg`), `snapshot of ${e.id} deleted`);
    assert.equal(store.snapshot(e.id), undefined);
    const kept = store.get(e.id)!;
    assert.equal(kept.personId, null);
    assert.equal(kept.name, null);
    assert.equal(kept.snapshotUrl, null);
  }
  assert.equal(files.length, inserted.length - ada.length, 'other people\'s snapshots stay');
  assert.equal(store.query(query({ person: 'ada' })).events.length, 0);
  const erasures = store.erasures();
  assert.equal(erasures.length, 1);
  assert.equal(erasures[0]!.personId, 'ada');
  assert.equal(erasures[0]!.actor, 'test');
  // While open: neither the database file nor its write-ahead log holds the name (the WAL keeps
  // copies of the changed pages until the checkpoint forgetPerson runs).
  const count = (path: string): number => (existsSync(path) ? readFileSync(path).toString('latin1').split('Ada').length - 1 : 0);
  assert.equal(count(store.path) + count(`${store.path}-wal`), 0, 'the name is not left in the database file or its WAL while the store is open');
  store.close();
  // Closed (SQLite folds the WAL back into the file): the freed pages were zeroed (secure_delete).
  assert.equal(count(store.path) + count(`${store.path}-wal`), 0, 'the name is not left in the closed database file');
});

test('a snapshot file without its row (a crash between the two writes) is removed when the store opens', () => {
  const dir = fresh('orphans');
  let store = new EventsStore(dir);
  const kept = event(0, Date.now());
  store.insert(kept, JPEG);
  const orphan = store.snapshots.write('orphan-event', new Date(), JPEG)!;
  store.close();
  store = new EventsStore(dir);
  assert.equal(store.orphans, 1);
  assert.deepEqual(snapshotFiles(dir).map((f) => f.split('/').pop()), [`${kept.id}.jpg`]);
  assert.ok(!snapshotFiles(dir).some((f) => f.endsWith(orphan.split('/')[1]!)));
  assert.deepEqual(store.snapshot(kept.id), JPEG);
  store.close();
});
