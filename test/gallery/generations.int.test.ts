/**
 * Generations for a model swap (what the agent's apply builds on): a re-embed that completes
 * without switching, an explicit switch that refuses an incomplete generation, the previous
 * generation retired (kept) and revived by a rollback, which then embeds nothing again.
 * Real models (det_500m + fr_feature_512, mobilefacenet_paddle_128) and real photos.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFacePipeline, enrollPhotos, galleryModelOf, identifyPhoto, openGallery, reembedderOf, type FacePipeline } from '../../sdk/index.ts';
import { localAssetSet } from '../analyzer/model-sets.ts';
import { assetFace } from '../helpers/assets.ts';

const train = (...p: string[]) => assetFace('face_recognition', 'examples', 'knn_examples', 'train', ...p);
const dir = mkdtempSync(join(tmpdir(), 'arcedge-generations-'));
let fr512: FacePipeline;
let p128: FacePipeline;

before(async () => {
  fr512 = await createFacePipeline({ models: localAssetSet('gen-fr512', ['det_500m.onnx', 'fr_feature_512.onnx']), backend: { threads: 1 } });
  p128 = await createFacePipeline({ models: localAssetSet('gen-p128', ['det_500m.onnx', 'mobilefacenet_paddle_128.onnx']), backend: { threads: 1 } });
});
after(async () => {
  await fr512.dispose();
  await p128.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('build without switching, switch explicitly, retire and revive for a rollback', async () => {
  const gallery = await openGallery(join(dir, 'g.db'), { model: galleryModelOf(fr512) });
  try {
    await enrollPhotos(gallery, fr512, { name: 'biden' }, [train('biden', 'biden.jpg')]);
    await enrollPhotos(gallery, fr512, { name: 'obama' }, [train('obama', 'obama.jpg')]);
    const built = await gallery.reembed(reembedderOf(p128), { activate: false });
    assert.equal(gallery.metadata().modelId, galleryModelOf(fr512).id, 'the old generation still serves');
    assert.deepEqual(
      gallery.generations().map((g) => [g.generation, g.modelId, g.state, g.complete]),
      [
        [1, galleryModelOf(fr512).id, 'serving', true],
        [built.generation, galleryModelOf(p128).id, 'building', true],
      ],
    );
    // A face enrolled meanwhile goes to the serving generation only: the built one is no longer complete.
    await enrollPhotos(gallery, fr512, { name: 'kit' }, [train('kit_harington', 'john1.jpeg')]);
    assert.throws(() => gallery.activateGeneration(built.generation), { code: 'GALLERY_GENERATION_INCOMPLETE' });
    assert.equal(gallery.metadata().generation, 1);
    const topUp = await gallery.reembed(reembedderOf(p128), { activate: false });
    assert.deepEqual([topUp.generation, topUp.resumed, topUp.templates], [built.generation, 2, 3]);
    const meta = gallery.activateGeneration(built.generation, { keepPrevious: true });
    assert.deepEqual([meta.modelId, meta.embeddingSize, meta.templates, meta.threshold], [galleryModelOf(p128).id, 128, 3, galleryModelOf(p128).recommendedThreshold]);
    assert.deepEqual(gallery.generations().map((g) => g.state), ['retired', 'serving']);
    const names = async (p: FacePipeline) => (await identifyPhoto(gallery, p, train('obama', 'obama2.jpg'))).map((f) => f.identity?.name);
    assert.deepEqual(await names(p128), ['obama']);

    // Rollback: the retired generation is revived, nothing needs embedding again.
    const back = await gallery.reembed(reembedderOf(fr512), { activate: false });
    assert.deepEqual([back.generation, back.resumed, back.templates], [1, 3, 3]);
    gallery.activateGeneration(back.generation, { keepPrevious: true });
    assert.equal(gallery.metadata().modelId, galleryModelOf(fr512).id);
    assert.deepEqual(await names(fr512), ['obama']);
    assert.equal(gallery.dropGeneration(built.generation), true);
    assert.equal(gallery.dropGeneration(1), false, 'the serving generation is never dropped');
    assert.deepEqual(gallery.generations().map((g) => [g.generation, g.state]), [[1, 'serving']]);
  } finally {
    gallery.close();
  }
});
