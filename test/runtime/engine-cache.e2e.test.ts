/**
 * The TensorRT engine cache without a GPU: keys, rejection of mismatched/corrupt entries with a
 * reason, private directory, atomic writes under concurrent writers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  defaultCacheDir,
  engineKey,
  ensureCacheDir,
  readCachedEngine,
  slotName,
  writeCachedEngine,
} from '../../sdk/runtime/engine-cache.ts';
import type { EngineKeyParts } from '../../sdk/runtime/engine-cache.ts';
import { sha256File } from '../../sdk/storage/sha256.ts';
import { profileSpec } from '../../sdk/runtime/tensorrt.ts';
import { assetModel } from '../helpers/assets.ts';

const root = mkdtempSync(join(tmpdir(), 'arcedge-engine-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = (): string => join(root, `cache-${(counter += 1)}`, 'tensorrt');

const model = assetModel('fr_feature_512.onnx');

async function waitForFile(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`writers not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const base = async (): Promise<EngineKeyParts> => ({
  modelSha256: await sha256File(model),
  tensorrtVersion: '8.6.2',
  gpuName: 'Orin',
  computeCapability: '8.7',
  multiProcessors: 8,
  memoryGiB: 7,
  precision: 'fp16',
  profile: profileSpec(1, 1, 8, {}),
  dlaCore: -1,
});

describe('engine cache', () => {
  it('hashes the real model file (sha256 from assets/README.md)', async () => {
    assert.equal(await sha256File(model), '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581');
  });

  it('the key changes with every component', async () => {
    const parts = await base();
    const variants: Partial<EngineKeyParts>[] = [
      { modelSha256: '0'.repeat(64) },
      { tensorrtVersion: '10.3.0' },
      { gpuName: 'Xavier' },
      { computeCapability: '7.2' },
      { multiProcessors: 4 }, // Orin Nano 4 GB beside the 8 GB one: same name, same compute capability
      { memoryGiB: 15 },
      { precision: 'int8' },
      { profile: profileSpec(1, 4, 8, {}) },
      { profile: profileSpec(1, 1, 8, { input: { min: [1, 3, 320, 320], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] } }) },
      { dlaCore: 0 },
    ];
    const keys = new Set([engineKey(parts), ...variants.map((v) => engineKey({ ...parts, ...v }))]);
    assert.equal(keys.size, variants.length + 1);
    assert.equal(engineKey({ ...parts }), engineKey(parts), 'deterministic');
    assert.match(engineKey(parts), /^[0-9a-f]{64}$/);
  });

  it('stores and finds an engine; the directory is 0700 and files 0600', async () => {
    const dir = freshDir();
    const parts = await base();
    const slot = slotName(model, 'fp16');
    assert.deepEqual(await readCachedEngine(dir, slot, parts), { hit: false, reason: 'no cached engine' });
    const engine = randomBytes(4096);
    const path = await writeCachedEngine(dir, slot, parts, engine, { modelPath: model, buildMs: 1234 });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const found = await readCachedEngine(dir, slot, parts);
    assert.ok(found.hit);
    assert.ok(found.engine.equals(engine));
    assert.equal(found.sidecar.buildMs, 1234);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temp files left');
  });

  it('an existing directory with loose permissions is tightened to 0700', async () => {
    const dir = freshDir();
    await ensureCacheDir(dir);
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o755);
    await ensureCacheDir(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it('rejects an engine built for another key and says which parts changed', async () => {
    const dir = freshDir();
    const parts = await base();
    const slot = slotName(model, 'fp16');
    await writeCachedEngine(dir, slot, parts, randomBytes(1000), { modelPath: model });
    const upgraded = { ...parts, tensorrtVersion: '10.3.0', gpuName: 'Orin Nano' };
    const lookup = await readCachedEngine(dir, slot, upgraded);
    assert.equal(lookup.hit, false);
    assert.match(lookup.hit ? '' : lookup.reason, /another key: tensorrtVersion 8\.6\.2 -> 10\.3\.0, gpuName Orin -> Orin Nano/);
    // The rebuild overwrites the slot; afterwards the new key hits and the old one is rejected.
    const rebuilt = randomBytes(1200);
    await writeCachedEngine(dir, slot, upgraded, rebuilt, { modelPath: model });
    const hit = await readCachedEngine(dir, slot, upgraded);
    assert.ok(hit.hit && hit.engine.equals(rebuilt));
    assert.equal((await readCachedEngine(dir, slot, parts)).hit, false);
  });

  it('ignores partial, corrupt and missing engines and unreadable sidecars, with a reason each', async () => {
    const dir = freshDir();
    const parts = await base();
    const slot = slotName(model, 'fp16');
    const reasonOf = async (): Promise<string> => {
      const lookup = await readCachedEngine(dir, slot, parts);
      assert.equal(lookup.hit, false);
      return lookup.hit ? '' : lookup.reason;
    };
    let path = await writeCachedEngine(dir, slot, parts, randomBytes(5000), { modelPath: model });
    truncateSync(path, 2500);
    assert.match(await reasonOf(), /partial \(2500 of 5000 bytes\)/);

    path = await writeCachedEngine(dir, slot, parts, randomBytes(5000), { modelPath: model });
    const bytes = readFileSync(path);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(path, bytes);
    assert.match(await reasonOf(), /corrupt \(sha256 differs/);

    path = await writeCachedEngine(dir, slot, parts, randomBytes(5000), { modelPath: model });
    rmSync(path);
    assert.match(await reasonOf(), /unreadable \(ENOENT\)/);

    const sidecar = join(dir, `${slot}.json`);
    writeFileSync(sidecar, '{"format": 1, "key": "abc"');
    assert.match(await reasonOf(), /not valid JSON/);
    writeFileSync(sidecar, JSON.stringify({ format: 2, key: 'abc' }));
    assert.match(await reasonOf(), /sidecar .* is invalid: key, parts/);
    // A sidecar from before the key gained the SM count and memory: rebuilt, saying why.
    writeFileSync(sidecar, JSON.stringify({ format: 1, key: 'abc' }));
    assert.match(await reasonOf(), /has format 1, this arcedge writes 2/);

    await writeCachedEngine(dir, slot, parts, randomBytes(100), { modelPath: model });
    const edited = JSON.parse(readFileSync(sidecar, 'utf8'));
    edited.parts.precision = 'int8';
    writeFileSync(sidecar, JSON.stringify(edited));
    assert.match(await reasonOf(), /does not match its own parts/);
  });

  it('concurrent writers in 4 processes never leave a torn pair', async () => {
    const dir = freshDir();
    const parts = await base();
    const slot = slotName(model, 'fp16');
    const writer = fileURLToPath(new URL('./cache-writer.ts', import.meta.url));
    const run = promisify(execFile);
    // Readers poll for as long as the writers run: a hit while all four write must be whole,
    // and there must be such hits (a cache that only ever misses under concurrency would pass
    // otherwise). The writers start together (cache-writer.ts waits at a start line).
    let finished = 0;
    let started = false;
    const readers = (async () => {
      let hits = 0;
      let reads = 0;
      while (finished < 4 || reads < 50) {
        const lookup = await readCachedEngine(dir, slot, parts);
        reads += 1;
        // A miss is fine (nothing committed yet, or an engine deleted under us); a hit must be whole.
        if (lookup.hit) {
          if (started && finished === 0) hits += 1;
          assert.equal(lookup.engine.length, lookup.sidecar.engineBytes);
        } else assert.match(lookup.reason, /no cached engine|unreadable/);
        await new Promise((r) => setTimeout(r, 5));
      }
      return { hits, reads };
    })();
    const parent = join(dir, '..');
    mkdirSync(parent, { recursive: true });
    const writers = [1, 2, 3, 4].map(() =>
      run(process.execPath, ['--import', 'tsx', writer, dir, slot, JSON.stringify(parts), '15'], { timeout: 60_000 }).finally(() => (finished += 1)),
    );
    await waitForFile(() => readdirSync(parent).filter((f) => f.startsWith('tensorrt.ready-')).length === 4, 60_000);
    started = true;
    writeFileSync(`${dir}.go`, '');
    await Promise.all(writers);
    const { hits, reads } = await readers;
    const final = await readCachedEngine(dir, slot, parts);
    assert.ok(final.hit, final.hit ? '' : final.reason);
    assert.ok(hits > 0, `no reader hit a committed engine while the 4 writers were writing (${reads} reads)`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temp files left');
  });

  it('the default directory honours ARCEDGE_ENGINE_CACHE, then XDG_CACHE_HOME', () => {
    assert.equal(defaultCacheDir({ ARCEDGE_ENGINE_CACHE: '/var/cache/e' }), '/var/cache/e');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/arcedge/tensorrt');
    // ARCEDGE_HOME moves models and engines together.
    assert.equal(defaultCacheDir({ ARCEDGE_HOME: '/data/arcedge' }), '/data/arcedge/tensorrt');
    assert.equal(defaultCacheDir({ ARCEDGE_HOME: '/data/arcedge', ARCEDGE_ENGINE_CACHE: '/e' }), '/e');
    assert.match(defaultCacheDir({}), /\.cache\/arcedge\/tensorrt$/);
  });

  it('slots differ by model path and precision', () => {
    assert.notEqual(slotName('/a/m.onnx', 'fp16'), slotName('/b/m.onnx', 'fp16'));
    assert.notEqual(slotName('/a/m.onnx', 'fp16'), slotName('/a/m.onnx', 'int8'));
    assert.notEqual(slotName('/a/m.onnx', 'fp16', 0), slotName('/a/m.onnx', 'fp16', 1));
    assert.equal(slotName('/a/m.onnx', 'fp16', -1), slotName('/a/m.onnx', 'fp16'));
    assert.match(slotName('/a/weird name!.onnx', 'fp32'), /^weird_name_-[0-9a-f]{8}-fp32$/);
  });
});
