/** createFaceAnalyzer validates its options and its models before any frame is analysed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFaceAnalyzer } from '../../sdk/analyzer/index.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { resolveModelSet } from '../../sdk/models/index.ts';
import { openSessionCount } from '../../sdk/runtime/index.ts'; // test-only: not on any entry
import { SCRFD_FR512 } from './model-sets.ts';
import { assetFace, requireAssets } from '../helpers/assets.ts';

test('unknown and mistyped options: CONFIG_INVALID listing every problem with its path', async () => {
  await assert.rejects(
    createFaceAnalyzer({ models: SCRFD_FR512(), flipTta: true, quality: { minFaceSizePx: -1 }, backend: { threads: 'two' } } as never),
    (error: unknown) => {
      assert.ok(isArcEdgeError(error, 'CONFIG_INVALID'), String(error));
      for (const path of ['flipTta', 'quality.minFaceSizePx', 'backend.threads']) assert.match(error.message, new RegExp(path.replace('.', '\\.')));
      return true;
    },
  );
});

test('liveness: true with a set that has no liveness model: CONFIG_INVALID naming the set', async () => {
  await assert.rejects(createFaceAnalyzer({ models: SCRFD_FR512(), liveness: true }), (error: unknown) => {
    assert.ok(isArcEdgeError(error, 'CONFIG_INVALID'), String(error));
    assert.match(error.message, /no liveness model/);
    return true;
  });
});

test('an unknown set name: MODEL_SET_UNKNOWN', async () => {
  await assert.rejects(createFaceAnalyzer({ models: 'no-such-set' }), (error: unknown) => isArcEdgeError(error, 'MODEL_SET_UNKNOWN'));
});

test('a manifest that lies about its input: MODEL_IO_MISMATCH at load, nothing left open', async () => {
  const set = await resolveModelSet(SCRFD_FR512());
  const liar = set.models.map((m) =>
    m.manifest.task === 'embed' ? { ...m, manifest: { ...m.manifest, input: { ...m.manifest.input, shape: [1, 3, 128, 128] } } } : m,
  );
  const open = openSessionCount();
  await assert.rejects(createFaceAnalyzer({ models: { name: 'liar', models: liar } }), (error: unknown) => {
    assert.ok(isArcEdgeError(error, 'MODEL_IO_MISMATCH'), String(error));
    assert.match(error.message, /128/);
    return true;
  });
  // The detector and embedder sessions loaded before the failure were released.
  assert.equal(openSessionCount(), open, 'sessions left open by the failed createFaceAnalyzer');
  const ok = await createFaceAnalyzer({ models: set });
  assert.equal(ok.models.embed, 'faceplugin-feature-512');
  await ok.dispose();
});

test('use: picks a model per role from a set that holds several (local:<assets>), by id or file name', async () => {
  const local = `local:${requireAssets()}/models`;
  const analyzer = await createFaceAnalyzer({ models: local, use: { detect: 'det_500m.onnx', embed: 'paddle-mobilefacenet-128' } });
  try {
    assert.equal(analyzer.models.detect, 'scrfd-500m-kps');
    assert.equal(analyzer.models.embed, 'paddle-mobilefacenet-128');
    const [face] = await analyzer.analyze(assetFace('debian', 'astronaut.png'));
    assert.equal(face?.embedding.length, 128);
  } finally {
    await analyzer.dispose();
  }
  await assert.rejects(createFaceAnalyzer({ models: local, use: { detect: 'w600k_r50.onnx' } }), (error: unknown) => {
    assert.ok(isArcEdgeError(error, 'CONFIG_INVALID'), String(error));
    assert.match(error.message, /use\.detect = "w600k_r50\.onnx" is not a detect model/);
    assert.match(error.fix ?? '', /scrfd-500m-kps/);
    return true;
  });
});
