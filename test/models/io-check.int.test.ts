import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { checkModelIo, findManifestBySha256, getModelSet, resolveModelSet } from '../../sdk/models/index.ts';
import { sha256File } from '../../sdk/storage/sha256.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import { requireAssets } from '../helpers/assets.ts';

// A cache shared between runs of this file: the first run downloads the default set once.
const home = join(tmpdir(), 'arcedge-test-cache');

describe('model I/O check: manifests agree with the real graphs', () => {
  it('every model in ../shared/assets/models matches its registry manifest', async () => {
    const dir = join(requireAssets(), 'models');
    const files = readdirSync(dir).filter((f) => f.endsWith('.onnx'));
    assert.ok(files.length >= 6);
    for (const file of files) {
      const manifest = findManifestBySha256(await sha256File(join(dir, file)));
      assert.ok(manifest, `${file} has no manifest`);
      const session = await loadSession(join(dir, file), { threads: 1 });
      try {
        assert.doesNotThrow(() => checkModelIo(manifest, session), `${file} vs ${manifest.id}`);
      } finally {
        await session.dispose();
      }
    }
  });

  it('every file of the default set, resolved through the registry, matches its manifest', async () => {
    const set = await resolveModelSet('default', { home, searchPath: [], timeoutMs: 60_000 });
    assert.equal(set.models.length, 4);
    for (const { manifest, path } of set.models) {
      const session = await loadSession(path, { threads: 1 });
      try {
        assert.doesNotThrow(() => checkModelIo(manifest, session), manifest.file);
      } finally {
        await session.dispose();
      }
    }
  });

  it('a model under the wrong manifest fails with what the model declares and what the manifest expects', async () => {
    const session = await loadSession(join(requireAssets(), 'models', 'det_500m.onnx'), { threads: 1 });
    try {
      const yunet = getModelSet('yunet').files[0]!;
      assert.throws(
        () => checkModelIo(yunet, session),
        (e: unknown) =>
          isArcEdgeError(e, 'MODEL_IO_MISMATCH') &&
          e.message.includes('input "input" is not in the model') &&
          e.message.includes('the model has 9 outputs, the manifest says 12') &&
          e.message.includes('model declares: inputs input.1') &&
          e.message.includes('manifest expects: input input [1,3,640,640]'),
      );
    } finally {
      await session.dispose();
    }
  });
});
