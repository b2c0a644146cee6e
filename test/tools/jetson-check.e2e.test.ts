/**
 * scripts/jetson-check's helpers, run here so they do not rot before someone has an Orin.
 * - engines.ts against a stand-in addon that runs the ONNX model on onnxruntime CPU (no
 *   TensorRT here): proves the script's flow (build in a fresh cache, cached load, timing,
 *   cosine against CPU on the dev faces, report lines), not TensorRT; the cosine is 1 by
 *   construction, so only the report format and the pass rule are under test.
 * - capture.ts through the agent's own ffmpeg and GStreamer commands on a real clip: whole
 *   frames on fd 3, and a FAIL line with the command when the source does not open.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/assets.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-jetson-check-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// io() must answer synchronously: read the graph's inputs and outputs with onnx-proto; run()
// opens an onnxruntime CPU session on first use.
const standIn = join(scratch, 'ort-addon.cjs');
writeFileSync(
  standIn,
  `const { createRequire } = require('node:module');
const req = createRequire(${JSON.stringify(join(repoRoot, 'package.json'))});
const fs = require('node:fs');
const ort = req('onnxruntime-node');
const { onnx } = req('onnx-proto');
const dims = (v) => v.type.tensorType.shape.dim.map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : -1));
module.exports = {
  info: () => ({ tensorrtVersion: 'stand-in', compiledTensorrtVersion: 'stand-in', cudaRuntimeVersion: '0', cudaDriverVersion: '0',
    devices: [{ index: 0, name: 'onnxruntime CPU stand-in', computeCapability: '0.0', totalMemoryBytes: 0, integrated: true, multiProcessorCount: 1 }], dlaCores: 0 }),
  buildEngine: async (path) => ({ engine: Buffer.from(path), timingCache: null, log: [], dlaFallbackLayers: [] }),
  Engine: class {
    constructor(plan) {
      this.path = Buffer.from(plan).toString();
      const graph = onnx.ModelProto.decode(fs.readFileSync(this.path)).graph;
      const inits = new Set(graph.initializer.map((t) => t.name));
      this.ios = [
        ...graph.input.filter((v) => !inits.has(v.name)).map((v) => ({ name: v.name, mode: 'input', type: 'float32', shape: dims(v) })),
        ...graph.output.map((v) => ({ name: v.name, mode: 'output', type: 'float32', shape: dims(v) })),
      ];
    }
    io() { return this.ios; }
    async run(feeds) {
      this.session ??= await ort.InferenceSession.create(this.path);
      const inputs = {};
      for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.dims);
      const out = await this.session.run(inputs);
      const result = {};
      for (const [name, t] of Object.entries(out)) result[name] = { type: 'float32', dims: t.dims.map(Number), data: t.data.slice().buffer };
      return result;
    }
    dispose() {}
  },
};
`,
);

const tsx = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'jetson-check', script), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 });

describe('jetson-check helpers (off-device)', () => {
  it('engines.ts: one PASS line per engine with build time, ms per run and the cosine against CPU', { timeout: 300_000 }, () => {
    const r = tsx('engines.ts', ['--runs', '5'], { ARCEDGE_TENSORRT_ADDON: standIn });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^INFO tensorrt backend: TensorRT stand-in on onnxruntime CPU stand-in/);
    for (const name of ['det_500m fp16', 'fr_feature_512 fp16']) {
      const line = lines.find((l) => l.includes(`engine ${name}:`));
      assert.ok(line, r.stdout);
      assert.match(line, /^PASS engine .*: build [0-9.]+ s, cached load [0-9.]+ s, [0-9.]+ ms\/run \(cpu [0-9.]+ ms, x[0-9.]+\), worst cosine vs cpu 1\.00000 over 8 dev faces \(need >= 0\.999\)$/);
    }
  });

  it('capture.ts: whole frames on fd 3 through the agent\'s ffmpeg and GStreamer commands; FAIL with the command otherwise', { timeout: 120_000 }, () => {
    const clip = join(scratch, 'clip.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
    for (const program of ['ffmpeg', 'gstreamer']) {
      const r = tsx('capture.ts', [`file://${clip}`, '--decoder', 'software', '--program', program, '--width', '160', '--height', '120', '--frames', '20']);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS capture file:\/\/\S+ \(software, h264, 160x120\): \d+ bytes on fd 3 = (2\d|[3-4]\d)\.000 frames of 57600/);
    }
    const missing = tsx('capture.ts', [`file://${join(scratch, 'missing.mp4')}`, '--decoder', 'software', '--frames', '5']);
    assert.equal(missing.status, 1);
    assert.match(missing.stdout, /^FAIL capture .*0 bytes on fd 3/m);
    assert.match(missing.stdout, /^INFO capture .*command: ffmpeg .*pipe:3$/m);
  });
});
