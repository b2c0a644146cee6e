import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { findManifestBySha256, getModelSet, listModelSets, parseModelSet, registryDir } from '../../sdk/models/registry.ts';
import { sha256File } from '../../sdk/storage/sha256.ts';
import { requireAssets } from '../helpers/assets.ts';

const setFiles = readdirSync(registryDir()).filter((f) => f.endsWith('.json'));

describe('model registry', () => {
  afterEach(() => delete process.env.ARCEDGE_REGISTRY_DIR);

  it('parses every models/sets/*.json with the schema, each named after its file', () => {
    assert.ok(setFiles.length >= 5, `expected the registry sets, found ${setFiles.join(', ')}`);
    for (const file of setFiles) {
      const set = parseModelSet(JSON.parse(readFileSync(join(registryDir(), file), 'utf8')), file);
      assert.equal(`${set.name}.json`, file);
      for (const m of set.files) assert.match(m.sha256, /^[0-9a-f]{64}$/);
    }
    assert.deepEqual(listModelSets().map((s) => `${s.name}.json`), [...setFiles].sort());
  });

  it('includes default, buffalo_sc, buffalo_s, buffalo_l, with only detect+embed in the InsightFace packs', () => {
    assert.deepEqual(getModelSet('default').files.map((m) => m.file), ['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx', 'fr_liveness.onnx']);
    for (const name of ['buffalo_sc', 'buffalo_s', 'buffalo_l']) {
      const set = getModelSet(name);
      assert.deepEqual(set.files.map((m) => m.task).sort(), ['detect', 'embed']);
      for (const m of set.files) {
        assert.equal(m.sources[0]?.type, 'zip');
        assert.match(m.licence, /non-commercial/);
      }
    }
  });

  it('finds every asset model by sha256, and det_500m is the buffalo_sc detector', async () => {
    const dir = join(requireAssets(), 'models');
    const files = readdirSync(dir).filter((f) => f.endsWith('.onnx'));
    assert.ok(files.length >= 6);
    for (const file of files) {
      const sha = await sha256File(join(dir, file));
      const manifest = findManifestBySha256(sha);
      assert.ok(manifest, `${file} (${sha}) is not in the registry`);
      assert.equal(manifest.sha256, sha);
    }
    const det = getModelSet('buffalo_sc').files.find((m) => m.file === 'det_500m.onnx');
    assert.equal(det?.sha256, await sha256File(join(dir, 'det_500m.onnx')));
    assert.equal(findManifestBySha256('0'.repeat(64)), undefined);
  });

  it('rejects an unknown set with MODEL_SET_UNKNOWN listing the known ones', () => {
    assert.throws(
      () => getModelSet('buffalo_xl'),
      (e: unknown) => isArcEdgeError(e, 'MODEL_SET_UNKNOWN') && e.message.includes('buffalo_xl') && e.message.includes('default, '),
    );
  });

  it('reports every problem of a bad set at once, each with its path', () => {
    const good = getModelSet('default');
    const bad = structuredClone(good) as unknown as { files: Record<string, unknown>[]; extra?: number };
    (bad.files[0]!.input as Record<string, unknown>).mean = ['x'];
    bad.files[1]!.sha256 = 'ABC';
    delete bad.files[2]!.embeddingSize;
    bad.extra = 1;
    assert.throws(
      () => parseModelSet(bad, 'bad.json'),
      (e: unknown) =>
        isArcEdgeError(e, 'MODEL_MANIFEST_INVALID') &&
        e.message.includes('bad.json') &&
        e.message.includes('files.0.input.mean.0') &&
        e.message.includes('files.1.sha256') &&
        e.message.includes('files.2.embeddingSize') &&
        /\(root\)|extra/.test(e.message),
    );
  });

  it('fails loudly when a registry file is broken (ARCEDGE_REGISTRY_DIR)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arcedge-registry-'));
    const yunet = getModelSet('yunet');
    const set = structuredClone(yunet) as unknown as { files: { outputs: { count: number } }[] };
    set.files[0]!.outputs.count = 0;
    writeFileSync(join(dir, 'yunet.json'), JSON.stringify(set));
    process.env.ARCEDGE_REGISTRY_DIR = dir;
    assert.throws(
      () => listModelSets(),
      (e: unknown) => isArcEdgeError(e, 'MODEL_MANIFEST_INVALID') && e.message.includes(join(dir, 'yunet.json')) && e.message.includes('files.0.outputs.count'),
    );
    writeFileSync(join(dir, 'yunet.json'), JSON.stringify({ ...yunet, name: 'other' }));
    assert.throws(() => listModelSets(), /must be other\.json/);
  });
});
