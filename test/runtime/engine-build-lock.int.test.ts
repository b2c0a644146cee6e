/**
 * One TensorRT engine build per cache slot (issue 28, item 8): on first start every worker loads
 * the same models, and two builders at once do not fit an 8 GB Orin. The addon is the recording
 * stand-in (no TensorRT here) with a build that takes a while, so the loads overlap; what is
 * asserted is how many builds reached it and that every load got the engine.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireBuildLock, lockPath } from '../../sdk/runtime/build-lock.ts';
import { slotName } from '../../sdk/runtime/engine-cache.ts';
import { createTensorRtBackend } from '../../sdk/runtime/tensorrt.ts';
import { assetModel } from '../helpers/assets.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-build-lock-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const standIn = join(scratch, 'slow-addon.cjs');
writeFileSync(
  standIn,
  `const calls = { build: 0 };
module.exports = {
  calls,
  info: () => ({ tensorrtVersion: '10.3.0', compiledTensorrtVersion: '10.3.0', cudaRuntimeVersion: '12.6', cudaDriverVersion: '12.6',
    devices: [{ index: 0, name: 'stand-in', computeCapability: '8.7', totalMemoryBytes: 0, integrated: true, multiProcessorCount: 8 }], dlaCores: 0 }),
  buildEngine: async () => {
    calls.build += 1;
    await new Promise((r) => setTimeout(r, 400)); // a build takes a while: the loads overlap
    return { engine: Buffer.from('stand-in plan'), timingCache: null, log: [], dlaFallbackLayers: [] };
  },
  Engine: class {
    io() { return [{ name: 'input', mode: 'input', type: 'float32', shape: [-1, 3, 112, 112] }, { name: 'output', mode: 'output', type: 'float32', shape: [-1, 512] }]; }
    async run() { throw new Error('not run here'); }
    dispose() {}
  },
};
`,
);
process.env.ARCEDGE_TENSORRT_ADDON = standIn;
const calls = createRequire(import.meta.url)(standIn).calls as { build: number };
const model = assetModel('fr_feature_512.onnx');

describe('TensorRT engine build lock (stand-in addon, no TensorRT)', () => {
  it('three loads of one model at once build the engine once; the others wait and read it from the cache', async () => {
    const cacheDir = join(scratch, 'cache-concurrent');
    const lines: string[] = [];
    const before = calls.build;
    const load = () => createTensorRtBackend().load(model, { precision: 'fp16', logger: (l) => lines.push(l), tensorrt: { cacheDir } });
    const sessions = await Promise.all([load(), load(), load()]);
    assert.equal(calls.build - before, 1, `builds: ${calls.build - before}\n${lines.join('\n')}`);
    assert.equal(lines.filter((l) => /is building the engine for .* waiting for it instead of building it twice/.test(l)).length, 2, lines.join('\n'));
    assert.ok(!existsSync(lockPath(cacheDir, slotName(model, 'fp16'))), 'the lock is released');
    for (const s of sessions) await s.dispose();
  });

  it('a lock whose holder has exited is taken over (a crash mid-build does not block for good)', async () => {
    const cacheDir = join(scratch, 'cache-dead-holder');
    mkdirSync(cacheDir, { recursive: true });
    const path = lockPath(cacheDir, slotName(model, 'fp32'));
    // A pid above Linux's pid_max (2^22): no such process.
    writeFileSync(path, JSON.stringify({ pid: 2 ** 30, host: hostname(), startedAt: new Date().toISOString() }));
    const before = calls.build;
    const session = await createTensorRtBackend().load(model, { logger: () => undefined, tensorrt: { cacheDir } });
    assert.equal(calls.build - before, 1);
    assert.ok(!existsSync(path));
    await session.dispose();
  });

  it('a live holder is waited for; a lock not refreshed for staleMs is taken over', async () => {
    const dir = join(scratch, 'raw');
    mkdirSync(dir, { recursive: true });
    const first = await acquireBuildLock(dir, 'slot', { staleMs: 60_000 });
    assert.equal(first.held, true);
    let waitedFor = '';
    let polls = 0;
    const second = await acquireBuildLock(dir, 'slot', { pollMs: 50, onWait: (h) => (waitedFor = h), done: async () => ++polls >= 3 });
    assert.equal(second.held, false, 'gave up through done(), never held');
    assert.match(waitedFor, new RegExp(`pid ${process.pid} on `));
    await first.release();

    // Another host's lock, last refreshed an hour ago: abandoned.
    writeFileSync(lockPath(dir, 'slot'), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'then' }));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lockPath(dir, 'slot'), old, old);
    const third = await acquireBuildLock(dir, 'slot', { pollMs: 50, staleMs: 60_000 });
    assert.equal(third.held, true);
    await third.release();
    assert.ok(!existsSync(lockPath(dir, 'slot')));
  });
});
