/**
 * The full frame with the face boxed, stored beside each event snapshot: written and read back
 * (sealed like the snapshot when events.encrypt is on), counted against events.maxMb, deleted
 * by retention and by forgetting the person, and cleaned up as an orphan at open. The frame is
 * produced by pipeline/filters.ts from a real photo and stays within 1280 px on its long side.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeImage, EventsQuerySchema, resizeFrame, type RecognitionEvent } from '../../sdk/index.ts';
import { EventsStore } from '../../agent/events-store/store.ts';
import { pruneEvents } from '../../agent/events-store/retention.ts';
import { fullFrameJpeg, withFullFrames, FULL_FRAME_LONG_SIDE } from '../../agent/pipeline/filters.ts';
import { assetFace } from '../helpers/assets.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-event-frames-'));
after(() => rmSync(work, { recursive: true, force: true }));
const FACE = readFileSync(assetFace('face_recognition', 'examples', 'knn_examples', 'train', 'biden', 'biden.jpg'));
const PHOTO = readFileSync(assetFace('face_recognition', 'examples', 'two_people.jpg'));

function event(personId: string | null, ts = new Date()): RecognitionEvent {
  return {
    id: randomUUID(),
    type: personId ? 'recognized' : 'unknown',
    device: 'test',
    camera: 'door',
    track: 1,
    identity: personId ? { id: personId, name: 'Ada' } : null,
    score: 0.7,
    ts: ts.toISOString(),
    box: { x1: 100, y1: 80, x2: 180, y2: 180 },
  };
}

const jpgs = (dir: string) => readdirSync(join(dir, 'snapshots'), { recursive: true }).map(String).filter((f) => f.endsWith('.jpg'));

test('the full frame is drawn from a real photo, boxed, and bounded to 1280 px', () => {
  const frame = decodeImage(PHOTO);
  const big = resizeFrame(frame, frame.width * 4, frame.height * 4); // a 4K-ish camera frame
  const box = { x1: big.width * 0.2, y1: big.height * 0.2, x2: big.width * 0.3, y2: big.height * 0.35 };
  const bytes = fullFrameJpeg(big, box);
  const back = decodeImage(bytes);
  assert.equal(Math.max(back.width, back.height), FULL_FRAME_LONG_SIDE);
  assert.ok(bytes.byteLength < 400_000, `${bytes.byteLength} bytes`);
  // The box is drawn: the orange outline changes pixels on the box's edge, not far from it.
  const plain = decodeImage(fullFrameJpeg(big, { x1: 0, y1: 0, x2: 0, y2: 0 }));
  const s = back.width / big.width;
  const at = (f: typeof back, x: number, y: number) => f.data[(Math.round(y) * f.width + Math.round(x)) * 3 + 2]!;
  const edge = at(back, box.x1 * s, ((box.y1 + box.y2) / 2) * s) - at(plain, box.x1 * s, ((box.y1 + box.y2) / 2) * s);
  assert.ok(Math.abs(edge) > 40, `red channel on the box edge changed by ${edge}`);
  // Only decision events with a face snapshot get a frame; track ends never do.
  const e = event(null);
  const end = { ...event(null), type: 'track_end' as const };
  const frames: Record<string, Uint8Array> = {};
  const out = withFullFrames([e, end], frame, { [e.id]: new Uint8Array([0xff]), [end.id]: new Uint8Array([0xff]) }, frames);
  assert.equal(out.length, 2);
  assert.equal(frames[e.id]?.[0], 0xff, 'a JPEG for the decision');
  assert.equal(frames[end.id], undefined, 'none for the track end');
});

test('stored beside the snapshot, counted, served, and gone with retention, forget and as an orphan', () => {
  const dir = join(work, 'plain');
  mkdirSync(dir);
  const store = new EventsStore(dir);
  const frame = new Uint8Array(readFileSync(assetFace('face_recognition', 'examples', 'two_people.jpg')));
  const kept = event('ada');
  const old = event(null, new Date(Date.now() - 40 * 86_400_000));
  const noFrame = event(null);
  assert.equal(store.insert(kept, FACE, frame), true);
  assert.equal(store.insert(old, FACE, frame), true);
  assert.equal(store.insert(noFrame, FACE), true);
  assert.deepEqual(store.frame(kept.id), Buffer.from(frame));
  assert.equal(store.frame(noFrame.id), undefined);
  assert.equal(store.snapshotBytes, 3 * FACE.byteLength + 2 * frame.byteLength, 'frames count against events.maxMb');
  const page = store.query(EventsQuerySchema.parse({}));
  assert.equal(page.events.find((e) => e.id === kept.id)?.frameUrl, `/api/events/${kept.id}/frame.jpg`);
  assert.equal(page.events.find((e) => e.id === noFrame.id)?.frameUrl, undefined);
  assert.equal(jpgs(dir).filter((f) => f.endsWith('.frame.jpg')).length, 2);

  // Retention: the 40-day-old event goes with both its files.
  const removed = pruneEvents(store, { retentionDays: 30, maxMb: 500 });
  assert.equal(removed.byAge, 1);
  assert.ok(!jpgs(dir).some((f) => f.includes(old.id)), 'retention deleted the old frame');
  assert.equal(store.snapshotBytes, 2 * FACE.byteLength + frame.byteLength);

  // Forget: the person's snapshot and full frame are erased.
  const record = store.forgetPerson('ada', 'test', 1);
  assert.equal(record.snapshots, 1);
  assert.equal(store.frame(kept.id), undefined);
  assert.ok(!jpgs(dir).some((f) => f.includes(kept.id)), 'forget deleted the frame file');
  assert.equal(store.snapshotBytes, FACE.byteLength);

  // An orphan frame (a crash between the file and the row) is removed at the next open; a
  // frame whose snapshot row exists is kept.
  const day = new Date().toISOString().slice(0, 10);
  writeFileSync(join(dir, 'snapshots', day, 'lost.frame.jpg'), frame);
  const live = event(null);
  store.insert(live, FACE, frame);
  store.close();
  const again = new EventsStore(dir);
  assert.equal(again.orphans, 1);
  assert.ok(!existsSync(join(dir, 'snapshots', day, 'lost.frame.jpg')));
  assert.deepEqual(again.frame(live.id), Buffer.from(frame));
  again.close();
});

test('with events.encrypt the frame is sealed on disk like the snapshot', () => {
  const dir = join(work, 'enc');
  mkdirSync(dir);
  const store = new EventsStore(dir, { key: 'a-gallery-key-of-some-length' });
  const frame = new Uint8Array(PHOTO);
  const e = event('ada');
  store.insert(e, FACE, frame);
  const file = jpgs(dir).find((f) => f.endsWith('.frame.jpg'))!;
  const onDisk = readFileSync(join(dir, 'snapshots', file));
  assert.ok(onDisk[0] !== 0xff && !onDisk.includes(PHOTO.subarray(0, 64)), 'the frame file is not a JPEG');
  assert.deepEqual(store.frame(e.id), Buffer.from(PHOTO));
  store.close();
});
