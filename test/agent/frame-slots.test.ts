/**
 * Frames through shared-memory slots (agent/pipeline/frame-slots.ts): what the main process
 * writes the pipeline process reads back byte for byte, a camera's ring never reuses a slot of
 * the last SLOTS - 1 frames, slot files of a dead agent are removed at start, and without a
 * usable folder frames go inline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameSlotReader, FrameSlotWriter, SLOTS } from '../../agent/pipeline/frame-slots.ts';

const frameOf = (seed: number, bytes = 640 * 360 * 3) => Uint8Array.from({ length: bytes }, (_, i) => (i * 31 + seed * 7) & 0xff);

test('a frame written to a slot reads back the same, and a ring holds SLOTS frames per camera', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-slots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const writer = new FrameSlotWriter(dir);
  const reader = new FrameSlotReader();
  const written = Array.from({ length: SLOTS }, (_, i) => ({ frame: frameOf(i), slot: writer.write(0, 'door/1', frameOf(i))! }));
  assert.equal(new Set(written.map((w) => w.slot.path)).size, SLOTS, 'consecutive frames of a camera use distinct slots');
  // The last SLOTS frames are all intact (the host keeps fewer than that unread).
  for (const w of written) assert.deepEqual(reader.read(w.slot), w.frame);
  const other = writer.write(0, 'garden', frameOf(99, 300))!;
  assert.ok(!written.some((w) => w.slot.path === other.path), 'another camera has its own ring');
  assert.deepEqual(reader.read(other), frameOf(99, 300));
  const wrapped = writer.write(0, 'door/1', frameOf(50))!;
  assert.equal(wrapped.path, written[0]!.slot.path, 'the ring wraps to its oldest slot');
  assert.deepEqual(reader.read(wrapped), frameOf(50));
  reader.close();
  writer.close();
  assert.deepEqual(readdirSync(dir), [], 'close() removes every slot file');
});

test('slot files of an agent that is gone are removed; without a usable folder frames go inline', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-slots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A pid far above any pid_max (2^22) belongs to no process.
  const stale = join(dir, 'arcedge-frames-99999999-0-646f6f72-0.bgr');
  const unrelated = join(dir, 'someone-else.bin');
  writeFileSync(stale, 'x');
  writeFileSync(unrelated, 'y');
  const writer = new FrameSlotWriter(dir);
  assert.equal(existsSync(stale), false, 'a dead agent\'s slot file is removed');
  assert.equal(existsSync(unrelated), true, 'other files are left alone');
  writer.close();
  assert.equal(new FrameSlotWriter(join(dir, 'missing')).write(0, 'door', frameOf(1, 30)), undefined, 'no folder: inline');
});

test('a symlink planted at a slot name is not followed: the target is untouched and frames go inline', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-slots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // What a hostile local user could do in the world-writable /dev/shm: the names are predictable.
  const victim = join(dir, 'gallery.db');
  writeFileSync(victim, 'precious');
  // The second slot's name: the first is created, then refused with the rest of the ring.
  symlinkSync(victim, join(dir, `arcedge-frames-${process.pid}-0-${Buffer.from('door').toString('hex')}-1.bgr`));
  const writer = new FrameSlotWriter(dir);
  assert.equal(writer.write(0, 'door', frameOf(1, 64)), undefined, 'the frame goes inline');
  assert.equal(readFileSync(victim, 'utf8'), 'precious', 'the link target is not written');
  assert.deepEqual(readdirSync(dir).sort(), ['arcedge-frames-' + process.pid + '-0-' + Buffer.from('door').toString('hex') + '-1.bgr', 'gallery.db'].sort(), 'no slot file of the failed ring is left behind');
  writer.close();
});
