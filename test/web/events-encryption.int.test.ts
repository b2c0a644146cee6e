/**
 * events.encrypt (finding 10: on 1819da4 events.db and the snapshot JPEGs were always
 * plaintext): with the gallery key the database is an SQLCipher file and every snapshot is
 * sealed, so a disk taken out of the device shows neither names nor faces; the right key reads
 * both back, a wrong key opens nothing, and a sealed snapshot is never served as a JPEG without it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EventsQuerySchema, isArcEdgeError, type RecognitionEvent } from '../../sdk/index.ts';
import { EventsStore } from '../../agent/events-store/store.ts';
import { eventsKey } from '../../agent/events-store/encryption.ts';
import { assetFace } from '../helpers/assets.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-events-enc-'));
after(() => rmSync(work, { recursive: true, force: true }));
const JPEG = readFileSync(assetFace('face_recognition', 'examples', 'knn_examples', 'train', 'biden', 'biden.jpg'));

function event(): RecognitionEvent {
  return {
    id: randomUUID(),
    type: 'recognized',
    device: 'test',
    camera: 'door',
    track: 1,
    identity: { id: 'ada-lovelace', name: 'Ada Lovelace' },
    score: 0.7,
    ts: new Date().toISOString(),
    box: { x1: 0, y1: 0, x2: 10, y2: 10 },
  } as RecognitionEvent;
}

const files = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.jpg')).map((f) => join(dir, f));

test('events.db and snapshots are unreadable on disk without the key and read back with it', () => {
  const dir = join(work, 'enc');
  mkdirSync(dir);
  const key = 'a-gallery-key-of-some-length';
  const store = new EventsStore(dir, { key });
  const e = event();
  assert.equal(store.insert(e, JPEG), true);
  assert.deepEqual(store.snapshot(e.id), JPEG);
  store.close();
  const db = readFileSync(join(dir, 'events.db'));
  assert.ok(!db.includes('Ada Lovelace') && !db.includes('SQLite format 3'), 'the database file is encrypted');
  const [snap] = files(join(dir, 'snapshots'));
  const onDisk = readFileSync(snap!);
  assert.ok(!onDisk.includes(JPEG.subarray(0, 64)) && onDisk[0] !== 0xff, 'the snapshot file is not a JPEG');
  const again = new EventsStore(dir, { key });
  assert.deepEqual(again.snapshot(e.id), JPEG);
  assert.equal(again.query(EventsQuerySchema.parse({})).events[0]?.name, 'Ada Lovelace');
  again.close();
  assert.throws(() => new EventsStore(dir, { key: 'the-wrong-key-entirely' }), (err) => isArcEdgeError(err) && /key/.test(err.message));
  // Plaintext stays the default: the same flow without a key writes a readable file.
  const plain = join(work, 'plain');
  mkdirSync(plain);
  const p = new EventsStore(plain);
  p.insert(event(), JPEG);
  p.close();
  assert.ok(readFileSync(join(plain, 'events.db')).includes('SQLite format 3'));
});

test('events.encrypt without a key is a config error naming the fix', () => {
  assert.throws(() => eventsKey({}), (e) => isArcEdgeError(e, 'CONFIG_INVALID') && /gallery-key-file|ARCEDGE_GALLERY_KEY/.test(e.fix));
  assert.equal(eventsKey({ ARCEDGE_GALLERY_KEY: 'long-enough-key' }), 'long-enough-key');
});
