import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { getModelSet, resolveModelSet, verifyModelSet } from '../../sdk/models/index.ts';
import { sha256File } from '../../sdk/storage/sha256.ts';
import { assetModel } from '../helpers/assets.ts';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'arcedge-local-'));

describe('local:<dir> model sets', () => {
  it('identifies registry files by sha256 even under another name', async () => {
    const dir = fresh();
    copyFileSync(assetModel('det_500m.onnx'), join(dir, 'det_500m.onnx'));
    copyFileSync(assetModel('fr_feature_512.onnx'), join(dir, 'fr_feature_512.onnx'));
    const set = await resolveModelSet(`local:${dir}`);
    assert.equal(set.name, `local:${dir}`);
    assert.deepEqual(set.models.map((m) => [m.manifest.file, m.manifest.task, m.origin]), [
      ['det_500m.onnx', 'detect', 'local'],
      ['fr_feature_512.onnx', 'embed', 'local'],
    ]);
    assert.equal(set.models[1]!.manifest.id, 'faceplugin-feature-512');
    assert.equal(set.models[1]!.path, join(dir, 'fr_feature_512.onnx'));
  });

  it('uses <file>.manifest.json beside the file, and rejects it when the sha256 disagrees', async () => {
    const dir = fresh();
    copyFileSync(assetModel('yunet_s_dynamic.onnx'), join(dir, 'my-detector.onnx'));
    const manifest = { ...getModelSet('yunet').files.find((m) => m.file === 'yunet_s_dynamic.onnx')!, id: 'mine', file: 'my-detector.onnx' };
    writeFileSync(join(dir, 'my-detector.onnx.manifest.json'), JSON.stringify(manifest));
    const set = await resolveModelSet(`local:${dir}`);
    assert.equal(set.models[0]!.manifest.id, 'mine');
    writeFileSync(join(dir, 'my-detector.onnx.manifest.json'), JSON.stringify({ ...manifest, sha256: 'f'.repeat(64) }));
    await assert.rejects(resolveModelSet(`local:${dir}`), (e: unknown) => isArcEdgeError(e, 'MODEL_CHECKSUM_MISMATCH') && e.message.includes('my-detector.onnx'));
    const report = await verifyModelSet(`local:${dir}`);
    assert.equal(report.ok, false);
    assert.equal(report.models[0]!.status, 'mismatch');
    assert.equal(report.models[0]!.actualSha256, await sha256File(assetModel('yunet_s_dynamic.onnx')));
  });

  it('tells the user to write a manifest for an unknown file, with a template carrying its sha256', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'mystery.onnx'), 'not a known model');
    const sha = await sha256File(join(dir, 'mystery.onnx'));
    await assert.rejects(resolveModelSet(`local:${dir}`), (e: unknown) => {
      assert.ok(isArcEdgeError(e, 'MODEL_MANIFEST_INVALID'));
      assert.match(e.message, /mystery\.onnx/);
      assert.match(e.fix ?? '', /mystery\.onnx\.manifest\.json/);
      assert.ok(e.fix?.includes(`"sha256": "${sha}"`));
      return true;
    });
  });

  it('reports an invalid manifest file with its paths, a missing folder and an empty folder', async () => {
    const dir = fresh();
    copyFileSync(assetModel('det_500m.onnx'), join(dir, 'det.onnx'));
    writeFileSync(join(dir, 'det.onnx.manifest.json'), JSON.stringify({ file: 'det.onnx', task: 'detect' }));
    await assert.rejects(resolveModelSet(`local:${dir}`), (e: unknown) => isArcEdgeError(e, 'MODEL_MANIFEST_INVALID') && /input: /.test(e.message) && /sha256: /.test(e.message));
    await assert.rejects(resolveModelSet(`local:${join(dir, 'nope')}`), (e: unknown) => isArcEdgeError(e, 'MODEL_NOT_FOUND'));
    await assert.rejects(resolveModelSet(`local:${fresh()}`), (e: unknown) => isArcEdgeError(e, 'MODEL_NOT_FOUND') && /no \.onnx files/.test(e.message));
  });
});
