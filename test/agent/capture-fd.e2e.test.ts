/**
 * The capture child's frames travel on their own pipe, fd 3 (issue 28, item 4): NVIDIA's
 * GStreamer elements print to stdout (nvarguscamerasrc with plain printf, nvv4l2decoder's
 * "Opening in BLOCKING MODE"), and while frames shared stdout one such line shifted every later
 * frame for good. A fake capture program here prints exactly that kind of text on stdout, between
 * and in the middle of frames, and writes numbered frames to fd 3; every frame must arrive whole
 * and in order. It also checks the stop policy Argus captures use (SIGINT, then SIGKILL).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ChildProcessSource, FRAME_FD, type CaptureCommand, type StopPolicy } from '../../agent/sources/child-source.ts';
import type { FrameSource, SourceFrame } from '../../agent/sources/frame-source.ts';
import { ARGUS_INITIAL_BACKOFF_MS, BACKOFF, Camera } from '../../agent/sources/camera.ts';
import { CameraSchema, type CameraConfig } from '../../agent/config/schema.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-capture-fd-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const WIDTH = 64;
const HEIGHT = 48;
const FRAMES = 12;
const node = (script: string): CaptureCommand => ({ program: process.execPath, args: ['-e', script] });

// Frame i is filled with byte i + 1, written in two uneven pieces with NVIDIA-style text on
// stdout before, between and after them (some lines unterminated, as a printf without \n).
const noisyCapture = node(`
const fs = require('node:fs');
const bytes = ${WIDTH * HEIGHT * 3};
const say = (text) => fs.writeSync(1, text);
say('Opening in BLOCKING MODE\\nNvMMLiteOpen : Block : BlockType = 261\\n');
for (let i = 0; i < ${FRAMES}; i++) {
  const frame = Buffer.alloc(bytes, i + 1);
  say('GST_ARGUS: Running with following settings:\\n   Camera index = 0 ');
  fs.writeSync(${FRAME_FD}, frame.subarray(0, 1000));
  say('NvMMLiteBlockCreate : Block : BlockType = 261 \\n\\x00\\xff garbage');
  fs.writeSync(${FRAME_FD}, frame.subarray(1000));
}
say('GST_ARGUS: Cleaning up\\n');
`);

async function untilExists(path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function source(command: CaptureCommand, stop?: StopPolicy): ChildProcessSource {
  return new ChildProcessSource(async () => ({ capture: command, width: WIDTH, height: HEIGHT }), 'fake capture', 'stream ended', stop);
}

test('frames arrive whole and in order while the capture program prints garbage on stdout', { timeout: 20_000 }, async () => {
  const s = source(noisyCapture);
  const frames: SourceFrame[] = [];
  const ended = new Promise<string>((resolve) => void s.start({ frame: (f) => frames.push({ ...f, data: f.data.slice() }), end: (reason) => resolve(reason) }));
  assert.equal(await ended, 'stream ended');
  assert.equal(frames.length, FRAMES, 'every frame, none invented from stdout text');
  frames.forEach((f, i) => {
    assert.equal(f.seq, i);
    assert.equal(f.data.length, WIDTH * HEIGHT * 3);
    const wrong = f.data.findIndex((v) => v !== i + 1);
    assert.equal(wrong, -1, `frame ${i}: byte ${wrong} is ${f.data[wrong]}, expected ${i + 1} (the stream shifted)`);
  });
  await s.stop();
});

test('stdout text is kept for the exit reason when the program fails', { timeout: 20_000 }, async () => {
  const s = source(node(`require('node:fs').writeSync(1, 'nvbuf_utils: Could not get EGL display connection\\n'); process.exit(3);`));
  const reason = await new Promise<string>((resolve) => void s.start({ frame: () => undefined, end: (r) => resolve(r) }));
  assert.match(reason, /code 3.*Could not get EGL display connection/);
  await s.stop();
});

test('Argus stop policy: SIGINT lets the program close its session; one that ignores it is SIGKILLed after the grace', { timeout: 20_000 }, async () => {
  const closed = join(scratch, 'closed-cleanly');
  // Stands in for gst-launch: on SIGINT it "closes the camera session" (a marker file) and exits.
  const ready = join(scratch, 'polite-ready');
  const polite = source(node(`const fs = require('node:fs'); process.on('SIGINT', () => { fs.writeFileSync(${JSON.stringify(closed)}, 'ok'); process.exit(0); }); setInterval(() => {}, 1000); fs.writeFileSync(${JSON.stringify(ready)}, '');`), { signal: 'SIGINT', graceMs: 5000 });
  await polite.start({ frame: () => undefined, end: () => undefined });
  await untilExists(ready); // its handler is installed
  const t0 = Date.now();
  await polite.stop();
  assert.ok(existsSync(closed), 'the program saw SIGINT and cleaned up');
  assert.ok(Date.now() - t0 < 4000, 'no wait for the grace period when it exits');

  const ready2 = join(scratch, 'stubborn-ready');
  const stubborn = source(node(`process.on('SIGINT', () => {}); setInterval(() => {}, 1000); require('node:fs').writeFileSync(${JSON.stringify(ready2)}, '');`), { signal: 'SIGINT', graceMs: 400 });
  await stubborn.start({ frame: () => undefined, end: () => undefined });
  await untilExists(ready2);
  const t1 = Date.now();
  await stubborn.stop();
  const took = Date.now() - t1;
  assert.ok(took >= 350 && took < 4000, `SIGKILL after the 400 ms grace (stop took ${took} ms)`);
});

test('a CSI camera waits 3 s before its first restart (nvargus-daemon releases the session); others 0.5 s', { timeout: 20_000 }, async () => {
  const firstRetry = async (source: string): Promise<number | undefined> => {
    const config = CameraSchema.parse({ id: 'c', source }) as CameraConfig;
    let retry: number | undefined;
    const failing: FrameSource = { description: 'fails at once', size: undefined, start: async (h) => h.end('boom'), stop: async () => undefined };
    const camera = new Camera(config, { frame: () => undefined, state: (_id, state, detail) => state === 'offline' && retry === undefined && (retry = detail.retryInMs) }, () => failing);
    camera.start();
    await new Promise((r) => setTimeout(r, 200));
    await camera.stop();
    return retry;
  };
  assert.equal(await firstRetry('csi://0'), ARGUS_INITIAL_BACKOFF_MS);
  assert.equal(ARGUS_INITIAL_BACKOFF_MS, 3000);
  assert.equal(await firstRetry('rtsp://cam/1'), BACKOFF.initialMs);
});
