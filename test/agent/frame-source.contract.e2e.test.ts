/**
 * One contract for every FrameSource (STYLE.md #3): frames of the declared size, counted from 0,
 * nothing after stop(), stop() idempotent; a finite source ends with a reason; a source that
 * cannot open reports it through end() instead of hanging. Run against: file (ffmpeg, with and
 * without loop), image folder, RTSP (a real GStreamer RTSP server), the GStreamer capture path
 * (gst-launch-1.0 ... ! fdsink fd=3) and V4L2 (a missing device: no camera on CI). CSI and the Jetson
 * presets need JetPack; their pipelines are checked as text against NVIDIA's element names.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CameraSchema, type CameraConfig } from '../../agent/config/schema.ts';
import { captureCommand, gstreamerPipeline } from '../../agent/sources/capture-commands.ts';
import { createSource } from '../../agent/sources/create-source.ts';
import type { FrameSource, SourceFrame } from '../../agent/sources/frame-source.ts';
import { assetFace, repoRoot } from '../helpers/assets.ts';
import { freePort } from './mosquitto.ts';
import { RTSP_TEST_SIZE, startRtspServer } from './rtsp-server.ts';

const dir = join(repoRoot, 'test', '.tmp', 'agent-sources');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => void)[] = [];
after(() => cleanup.forEach((f) => f()));

// A 0.6 s 160x120 H.264 clip (6 frames at 10 fps) from ffmpeg's test source.
const clip = join(dir, 'tiny.mp4');
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=0.6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);

// A coloured clip for comparing pixels across capture paths: flat red, green and blue blocks
// on black (large flat areas, so chroma subsampling only touches the block edges).
const colourClip = join(dir, 'colour.mp4');
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i',
  'color=c=black:size=160x120:rate=10:duration=0.6,drawbox=x=0:y=0:w=80:h=60:color=0xFF0000:t=fill,drawbox=x=80:y=0:w=80:h=60:color=0x00FF00:t=fill,drawbox=x=0:y=60:w=80:h=60:color=0x0000FF:t=fill',
  '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-qp', '0', colourClip]);

const camera = (source: string, extra: Partial<CameraConfig> = {}): CameraConfig => CameraSchema.parse({ id: 'c', source, ...extra }) as CameraConfig;

interface Run {
  frames: SourceFrame[];
  ended: string | undefined;
}

async function collect(source: FrameSource, until: (run: Run) => boolean, timeoutMs: number): Promise<Run> {
  const run: Run = { frames: [], ended: undefined };
  let wake = () => {};
  await source.start({
    frame: (f) => (run.frames.push(f), wake()),
    end: (reason) => ((run.ended = reason), wake()),
  });
  const deadline = Date.now() + timeoutMs;
  while (!until(run) && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 200)));
  return run;
}

async function contract(name: string, source: () => FrameSource, options: { minFrames: number; size: { width: number; height: number }; ends?: RegExp; timeoutMs?: number }) {
  const s = source();
  const run = await collect(s, (r) => r.frames.length >= options.minFrames && (!options.ends || r.ended !== undefined), options.timeoutMs ?? 30_000);
  assert.ok(run.frames.length >= options.minFrames, `${name}: ${run.frames.length} frames (ended: ${run.ended})`);
  assert.deepEqual(s.size, options.size, `${name}: declared size`);
  run.frames.forEach((f, i) => {
    assert.equal(f.seq, i, `${name}: frames counted from 0`);
    assert.equal(f.width, options.size.width);
    assert.equal(f.height, options.size.height);
    assert.equal(f.data.length, f.width * f.height * 3, `${name}: BGR, 3 bytes per pixel`);
  });
  assert.ok(run.frames.some((f) => f.data.some((v) => v > 0)), `${name}: frames carry picture`);
  if (options.ends) assert.match(run.ended ?? '', options.ends, `${name}: end reason`);
  await s.stop();
  const count = run.frames.length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(run.frames.length, count, `${name}: no frame after stop()`);
  await s.stop(); // idempotent
}

test('file source (ffmpeg): all frames, then "end of file"', async () => {
  await contract('file', () => createSource(camera(`file://${clip}`)), { minFrames: 6, size: { width: 160, height: 120 }, ends: /end of file/ });
});

test('file source with loop: keeps going past the end of the clip', async () => {
  const s = createSource(camera(`file://${clip}`, { loop: true }));
  const run = await collect(s, (r) => r.frames.length >= 14, 30_000);
  await s.stop();
  assert.ok(run.frames.length >= 14, `${run.frames.length} frames from a 6-frame clip`);
  assert.equal(run.ended, undefined);
});

test('folder source: each photo letterboxed to one size, then "end of folder"', async () => {
  await contract('folder', () => createSource(camera(`folder://${join(assetFace('debian'))}`, { width: 320, height: 240, fps: 20 })), { minFrames: 2, size: { width: 320, height: 240 }, ends: /end of folder/ });
});

test('GStreamer capture path (gst-launch-1.0 ... ! fdsink): the same frames as ffmpeg', async () => {
  await contract('gstreamer', () => createSource(camera(`file://${clip}`, { width: 160, height: 120 }), { program: 'gstreamer' }), { minFrames: 6, size: { width: 160, height: 120 }, ends: /end of file/ });
});

/** Mean absolute difference per byte of two BGR frames. */
const meanAbsDiff = (a: Uint8Array, b: Uint8Array): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};
/** [b, g, r] at (x, y) of a 160-wide BGR frame. */
const bgrAt = (f: SourceFrame, x: number, y: number): number[] => [...f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3)];

test('GStreamer and ffmpeg decode a coloured clip to the same BGR pixels', async () => {
  const size = { width: 160, height: 120 };
  const runs: Run[] = [];
  for (const program of ['ffmpeg', 'gstreamer'] as const) {
    const s = createSource(camera(`file://${colourClip}`, size), { program });
    runs.push(await collect(s, (r) => r.ended !== undefined, 30_000));
    await s.stop();
  }
  const [ffmpeg, gst] = runs as [Run, Run];
  assert.ok(ffmpeg.frames.length >= 6 && gst.frames.length >= 6, `${ffmpeg.frames.length} / ${gst.frames.length} frames`);
  for (const [name, run] of [['ffmpeg', ffmpeg], ['gstreamer', gst]] as const) {
    const f = run.frames[2]!;
    // Block centres, in BGR byte order: red is [~0, ~0, ~255], and so on.
    const expected: [string, number, number, number[]][] = [['red', 40, 30, [0, 0, 255]], ['green', 120, 30, [0, 255, 0]], ['blue', 40, 90, [255, 0, 0]], ['black', 120, 90, [0, 0, 0]]];
    for (const [colour, x, y, bgr] of expected) {
      const got = bgrAt(f, x, y);
      assert.ok(got.every((v, i) => Math.abs(v - bgr[i]!) <= 40), `${name}: ${colour} block at (${x},${y}) is BGR ${JSON.stringify(got)}, expected about ${JSON.stringify(bgr)}`);
    }
  }
  // Whole frames agree to within the two converters' YUV->BGR rounding (a channel swap is ~56).
  for (let i = 0; i < 6; i += 1) {
    const diff = meanAbsDiff(ffmpeg.frames[i]!.data, gst.frames[i]!.data);
    assert.ok(diff < 4, `frame ${i}: mean |ffmpeg - gstreamer| = ${diff.toFixed(2)} per byte`);
  }
});

test('RTSP source: frames from a live GStreamer RTSP server', { timeout: 90_000 }, async () => {
  const port = await freePort();
  const server = await startRtspServer(port);
  cleanup.push(() => server.kill('SIGKILL'));
  await contract('rtsp', () => createSource(camera(`rtsp://127.0.0.1:${port}/cam`)), { minFrames: 5, size: RTSP_TEST_SIZE, timeoutMs: 40_000 });
  server.kill('SIGKILL');
});

test('V4L2 source on a missing device: reports through end(), does not hang', async () => {
  const s = createSource(camera('v4l2:///dev/video-arcedge-missing', { width: 640, height: 480 }));
  const run = await collect(s, (r) => r.ended !== undefined, 20_000);
  await s.stop();
  assert.equal(run.frames.length, 0);
  assert.match(run.ended ?? '', /ffmpeg exited/);
});

test('capture command lines: V4L2 through ffmpeg, CSI and Jetson decoding through GStreamer hardware elements', () => {
  const spec = { width: 1280, height: 720, fps: 30, loop: false, transport: 'tcp' as const };
  const v4l2 = captureCommand({ ...spec, kind: 'v4l2', target: '/dev/video0', decoder: 'software' });
  assert.equal(v4l2.program, 'ffmpeg');
  assert.deepEqual(v4l2.args.slice(v4l2.args.indexOf('-f'), v4l2.args.indexOf('-f') + 2), ['-f', 'v4l2']);
  assert.ok(v4l2.args.includes('bgr24') && v4l2.args.at(-1) === 'pipe:3', 'frames on fd 3, not stdout');
  const csi = captureCommand({ ...spec, kind: 'csi', target: '1', decoder: 'software' });
  assert.equal(csi.program, 'gst-launch-1.0');
  assert.equal(csi.args[0], '-q', 'gst-launch quiet: its state changes are noise');
  // The exact caps chain: a loose `format=BGR.*` would also pass a pipeline that ends in BGRx.
  assert.match(gstreamerPipeline({ ...spec, kind: 'csi', target: '1', decoder: 'jetson' }), /^nvarguscamerasrc sensor-id=1 ! video\/x-raw\(memory:NVMM\),width=1280,height=720,framerate=30\/1 ! nvvidconv ! video\/x-raw,format=BGRx,width=1280,height=720 ! videoconvert ! video\/x-raw,format=BGR ! fdsink fd=3 /);
  assert.match(gstreamerPipeline({ ...spec, kind: 'rtsp', target: 'rtsp://cam/1', decoder: 'jetson' }), /rtspsrc location=rtsp:\/\/cam\/1 protocols=tcp .*rtph264depay ! h264parse ! nvv4l2decoder ! nvvidconv/);
  assert.match(gstreamerPipeline({ ...spec, kind: 'rtsp', target: 'rtsp://cam/1', decoder: 'jetson', codec: 'h265' }), /rtph265depay ! h265parse ! nvv4l2decoder/);
  assert.match(gstreamerPipeline({ ...spec, kind: 'rtsp', target: 'rtsp://cam/1', decoder: 'jetson', codec: 'auto' }), /latency=200 ! parsebin ! nvv4l2decoder/);
  assert.match(gstreamerPipeline({ ...spec, kind: 'file', target: '/v.mp4', decoder: 'jetson' }), /filesrc location=\/v.mp4 ! qtdemux ! h264parse ! nvv4l2decoder/);
  assert.match(gstreamerPipeline({ ...spec, kind: 'file', target: '/v.mkv', decoder: 'jetson', codec: 'auto' }), /filesrc location=\/v.mkv ! parsebin ! nvv4l2decoder/);
  // Jetson scaling on nvvidconv (VIC), not videoscale on the CPU.
  const nv = gstreamerPipeline({ ...spec, kind: 'rtsp', target: 'rtsp://cam/1', decoder: 'jetson' });
  assert.match(nv, /nvvidconv ! video\/x-raw,format=BGRx,width=1280,height=720 ! videoconvert ! video\/x-raw,format=BGR/);
  assert.doesNotMatch(nv, /videoscale/);
  // V4L2 asks the camera for the configured size and rate; without a configured size it asks nothing.
  assert.match(gstreamerPipeline({ ...spec, kind: 'v4l2', target: '/dev/video0', decoder: 'jetson', sizeFromConfig: true }), /^v4l2src device=\/dev\/video0 ! video\/x-raw,width=1280,height=720,framerate=30\/1 ! nvvidconv/);
  assert.match(gstreamerPipeline({ ...spec, kind: 'v4l2', target: '/dev/video0', decoder: 'jetson' }), /^v4l2src device=\/dev\/video0 ! nvvidconv/);
  for (const kind of ['csi', 'rtsp', 'file', 'v4l2'] as const) {
    assert.match(gstreamerPipeline({ ...spec, kind, target: 'x', decoder: 'jetson' }), /fdsink fd=3 sync=false$/, `${kind}: frames on fd 3`);
  }
});
