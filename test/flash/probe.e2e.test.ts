/**
 * What `install.sh --check` (the probe `arcedge flash` runs first) now reports for a Jetson
 * (issue 28, items 3 and 9): the C++20 compiler, and the capture programs and NVIDIA GStreamer
 * elements, which were never probed. Run on this machine: Debian 12 has ffmpeg and GStreamer
 * but none of the nv* elements, so the flash warning for a TensorRT device must name them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { captureWarnings, type DeviceInfo } from '../../tools/flash/device.ts';
import { repoRoot } from '../helpers/assets.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-probe-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('install.sh --check reports the C++20 compiler, ffmpeg, ffprobe, gst-launch and the nv* elements found', () => {
  const r = spawnSync('sh', [join(repoRoot, 'tools', 'flash', 'install.sh'), '--check', '--dir', join(scratch, 'opt'), '--need-kb', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const kv = new Map([...r.stdout.matchAll(/^ARCEDGE_PROBE ([a-z_0-9]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const which = (p: string) => spawnSync('sh', ['-c', `command -v ${p}`], { encoding: 'utf8' }).stdout.trim();
  assert.equal(kv.get('ffmpeg'), which('ffmpeg'));
  assert.equal(kv.get('ffprobe'), which('ffprobe'));
  assert.equal(kv.get('gst'), which('gst-launch-1.0'));
  assert.equal(kv.get('gst_nv'), '', 'no JetPack GStreamer elements on this machine');
  // Debian 12's g++ 12 takes -std=gnu++20 ($CXX first when set): the probe names the compiler it would use.
  assert.equal(kv.get('cxx20'), process.env.CXX || 'g++');
  assert.match(kv.get('gcc') ?? '', /^\d+\.\d+/);
});

test('flash warns about missing capture programs and, on a TensorRT device, missing nv* elements', () => {
  const base = { ffmpeg: '/usr/bin/ffmpeg', ffprobe: '/usr/bin/ffprobe', gstLaunch: '/usr/bin/gst-launch-1.0', gstNvidia: ['nvarguscamerasrc', 'nvv4l2decoder', 'nvvidconv'], tensorrt: '/usr/include/aarch64-linux-gnu/NvInfer.h' } as unknown as DeviceInfo;
  assert.deepEqual(captureWarnings(base), []);
  const bare = { ...base, ffmpeg: undefined, ffprobe: undefined, gstNvidia: ['nvvidconv'] } as DeviceInfo;
  const lines = captureWarnings(bare);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0]!, /no ffmpeg .*apt-get install ffmpeg/);
  assert.match(lines[1]!, /no ffprobe/);
  assert.match(lines[2]!, /GStreamer lacks nvarguscamerasrc, nvv4l2decoder: .*nvidia-l4t-gstreamer/);
  // Not a TensorRT device (a plain arm64 or x86 box): the nv* elements are not expected.
  assert.deepEqual(captureWarnings({ ...base, tensorrt: undefined, gstNvidia: [] } as DeviceInfo), []);
});
