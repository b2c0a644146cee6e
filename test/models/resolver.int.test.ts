import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import {
  cachedModelPath,
  getModelSet,
  resolveModel,
  resolveModelSet,
  verifyModelSet,
} from '../../sdk/models/index.ts';
import type { FetchFunction, ResolveEvent } from '../../sdk/models/index.ts';
import { sha256File } from '../../sdk/storage/sha256.ts';
import { requireAssets } from '../helpers/assets.ts';

/** The real global fetch, wrapped only to count calls (the network is real). */
function countingFetch(): { fetch: FetchFunction; urls: string[] } {
  const urls: string[] = [];
  const fetch: FetchFunction = (input, init) => {
    urls.push(String(input instanceof Request ? input.url : input));
    return globalThis.fetch(input, init);
  };
  return { fetch, urls };
}

const home = mkdtempSync(join(tmpdir(), 'arcedge-home-'));
const noSearchPath: string[] = [];

describe('resolver: the default set through the real npm registry', () => {
  let firstMs = 0;
  before(async () => {
    const { fetch, urls } = countingFetch();
    const started = performance.now();
    const set = await resolveModelSet('default', { home, fetch, searchPath: noSearchPath, timeoutMs: 60_000 });
    firstMs = performance.now() - started;
    // One metadata GET + one tarball GET serve all four files.
    assert.equal(urls.length, 2, urls.join('\n'));
    assert.deepEqual(set.models.map((m) => m.origin), ['download', 'download', 'download', 'download']);
  });

  it('stores every file in the cache under its sha256 with the pinned bytes', async () => {
    for (const manifest of getModelSet('default').files) {
      const path = cachedModelPath(manifest, home);
      assert.equal(await sha256File(path), manifest.sha256, path);
    }
    console.log(`# first pull of default (network): ${firstMs.toFixed(0)} ms`);
  });

  it('serves a second resolve from the cache without any network call', async () => {
    const { fetch, urls } = countingFetch();
    const started = performance.now();
    const set = await resolveModelSet('default', { home, fetch, searchPath: noSearchPath });
    console.log(`# cached resolve of default: ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(urls.length, 0);
    assert.deepEqual(set.models.map((m) => m.origin), ['cache', 'cache', 'cache', 'cache']);
  });

  it('detects a flipped byte in a cached file, deletes it and fetches it again', async () => {
    const manifest = getModelSet('default').files.find((m) => m.file === 'fr_landmark.onnx')!;
    const path = cachedModelPath(manifest, home);
    const bytes = readFileSync(path);
    bytes[1000] ^= 0x01;
    writeFileSync(path, bytes);
    const events: ResolveEvent[] = [];
    const { fetch, urls } = countingFetch();
    const resolved = await resolveModel(manifest, { home, fetch, searchPath: noSearchPath, onEvent: (e) => events.push(e) });
    assert.equal(resolved.origin, 'download');
    assert.ok(events.some((e) => e.kind === 'corrupt' && e.path === path));
    assert.ok(urls.length >= 2);
    assert.equal(await sha256File(path), manifest.sha256);
  });

  it('verifyModelSet reports ok for the pulled set and missing for an empty cache', async () => {
    const ok = await verifyModelSet('default', { home, searchPath: noSearchPath });
    assert.equal(ok.ok, true);
    assert.deepEqual(ok.models.map((m) => m.status), ['ok', 'ok', 'ok', 'ok']);
    const empty = await verifyModelSet('default', { home: mkdtempSync(join(tmpdir(), 'arcedge-empty-')), searchPath: noSearchPath });
    assert.equal(empty.ok, false);
    assert.deepEqual(empty.models.map((m) => m.status), ['missing', 'missing', 'missing', 'missing']);
  });
});

describe('resolver: search path and failures', () => {
  const assets = () => join(requireAssets(), 'models');

  it('takes a file from the search path when its sha256 matches, without network', async () => {
    const manifest = getModelSet('buffalo_sc').files.find((m) => m.file === 'det_500m.onnx')!;
    const { fetch, urls } = countingFetch();
    const emptyHome = mkdtempSync(join(tmpdir(), 'arcedge-empty-'));
    const resolved = await resolveModel(manifest, { home: emptyHome, fetch, searchPath: ['/nonexistent', assets()] });
    assert.equal(resolved.origin, 'search-path');
    assert.equal(resolved.path, join(assets(), 'det_500m.onnx'));
    assert.equal(urls.length, 0);
  });

  it('reads ARCEDGE_MODEL_PATH (colon-separated) when no searchPath is given', async () => {
    const manifest = getModelSet('yunet').files.find((m) => m.file === 'yunet_2023mar_640.onnx')!;
    const saved = process.env.ARCEDGE_MODEL_PATH;
    process.env.ARCEDGE_MODEL_PATH = `/nonexistent:${assets()}`;
    try {
      const resolved = await resolveModel(manifest, { home: mkdtempSync(join(tmpdir(), 'arcedge-empty-')), offline: true });
      assert.equal(resolved.origin, 'search-path');
    } finally {
      if (saved === undefined) delete process.env.ARCEDGE_MODEL_PATH;
      else process.env.ARCEDGE_MODEL_PATH = saved;
    }
  });

  it('fails with one MODEL_FETCH_FAILED naming the file, every place tried and the fix', async () => {
    const manifest = getModelSet('default').files.find((m) => m.file === 'fr_detect.onnx')!;
    // A wrong file under the right name in the search path is skipped and reported, never used.
    const wrongDir = mkdtempSync(join(tmpdir(), 'arcedge-wrong-'));
    copyFileSync(join(assets(), 'det_500m.onnx'), join(wrongDir, 'fr_detect.onnx'));
    const started = performance.now();
    await assert.rejects(
      resolveModel(manifest, { home: mkdtempSync(join(tmpdir(), 'arcedge-empty-')), searchPath: [wrongDir], registry: 'http://127.0.0.1:9/', timeoutMs: 5_000 }),
      (e: unknown) => {
        assert.ok(isArcEdgeError(e, 'MODEL_FETCH_FAILED'));
        assert.match(e.message, /fr_detect\.onnx/);
        assert.match(e.message, /sha256 is 5e4447f5.*skipped/);
        assert.match(e.message, /cache .*not present/);
        assert.match(e.message, /npm faceplugin-face-recognition-js@0\.0\.1 file model\/fr_detect\.onnx \(registry http:\/\/127\.0\.0\.1:9\/\): .*(ECONNREFUSED|fetch failed)/);
        assert.match(e.fix ?? '', /ARCEDGE_MODEL_PATH/);
        assert.match(e.fix ?? '', /arcedge models pull/);
        assert.match(e.fix ?? '', /local:<dir>/);
        assert.match(e.fix ?? '', /http:\/\/127\.0\.0\.1:9\/faceplugin-face-recognition-js\/-\/faceplugin-face-recognition-js-0\.0\.1\.tgz/);
        return true;
      },
    );
    console.log(`# unreachable registry failed in ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('refuses downloaded bytes whose sha256 differs from the pin', async () => {
    const manifest = { ...getModelSet('default').files[0]!, sha256: '0'.repeat(64) };
    await assert.rejects(
      resolveModel(manifest, { home: mkdtempSync(join(tmpdir(), 'arcedge-empty-')), searchPath: noSearchPath, timeoutMs: 60_000 }),
      (e: unknown) => isArcEdgeError(e, 'MODEL_FETCH_FAILED') && /got 1217758 bytes with sha256 6c0256cc/.test(e.message),
    );
  });

  it('offline mode and files without a source say so', async () => {
    const paddle = getModelSet('paddle-mobilefacenet').files[0]!;
    await assert.rejects(
      resolveModel(paddle, { home: mkdtempSync(join(tmpdir(), 'arcedge-empty-')), searchPath: noSearchPath }),
      (e: unknown) => isArcEdgeError(e, 'MODEL_FETCH_FAILED') && /pins no source/.test(e.message) && /no public download is pinned/.test(e.fix ?? ''),
    );
    await assert.rejects(
      resolveModel(getModelSet('default').files[0]!, { home: mkdtempSync(join(tmpdir(), 'arcedge-empty-')), searchPath: noSearchPath, offline: true }),
      (e: unknown) => isArcEdgeError(e, 'MODEL_FETCH_FAILED') && /offline/.test(e.message),
    );
  });
});
