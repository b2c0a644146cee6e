/**
 * The embedder on real aligned crops: batching (dynamic batch axis) gives the same vectors as
 * one-at-a-time runs, the flip TTA is exactly normalise(e(crop) + e(mirror)), and every output
 * is unit length.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { alignFace } from '../../sdk/align/index.ts';
import { createDetector } from '../../sdk/detect/index.ts';
import { compare, createEmbedder, l2Normalize } from '../../sdk/embed/index.ts';
import { readImage } from '../../sdk/image/index.ts';
import type { Frame } from '../../sdk/image/frame.ts';
import { checkModelIo, resolveModelSet } from '../../sdk/models/index.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import { assetFace } from '../helpers/assets.ts';
import { SCRFD_FR512, SCRFD_PADDLE128 } from '../analyzer/model-sets.ts';

const crops: Frame[] = [];

async function loadEmbedder(setSpec: string, options: { flipTTA?: boolean; chunkSize?: number } = {}, maxBatch?: number) {
  const set = await resolveModelSet(setSpec);
  const model = set.models.find((m) => m.manifest.task === 'embed')!;
  const session = await loadSession(model.path, { threads: 2, ...(maxBatch ? { maxBatch } : {}) });
  checkModelIo(model.manifest, session);
  return { embedder: createEmbedder(model.manifest, session, options), session };
}

function mirror(frame: Frame): Frame {
  const data = new Uint8Array(frame.data.length);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const s = (y * frame.width + x) * 3;
      const d = (y * frame.width + (frame.width - 1 - x)) * 3;
      data[d] = frame.data[s]!;
      data[d + 1] = frame.data[s + 1]!;
      data[d + 2] = frame.data[s + 2]!;
    }
  }
  return { data, width: frame.width, height: frame.height };
}

before(async () => {
  const set = await resolveModelSet(SCRFD_FR512());
  const det = set.models.find((m) => m.manifest.task === 'detect')!;
  const detector = createDetector(det.manifest, await loadSession(det.path, { threads: 2 }));
  try {
    for (const photo of [['face_recognition', 'examples', 'two_people.jpg'], ['debian', 'messi5.jpg'], ['deepface', 'img1.jpg']]) {
      const frame = await readImage(assetFace(...photo));
      for (const d of await detector.detect(frame)) crops.push(alignFace(frame, d.landmarks).crop);
    }
  } finally {
    await detector.dispose();
  }
  assert.ok(crops.length >= 4, `${crops.length} crops`);
});

test('mobilefacenet_paddle_128 (dynamic batch): one batched run equals one run per crop', async () => {
  const { embedder, session } = await loadEmbedder(SCRFD_PADDLE128());
  try {
    assert.equal(embedder.batched, true);
    assert.equal(embedder.size, 128);
    const batched = await embedder.embed(crops);
    assert.equal(session.stats.runs, 1, 'all crops in one run');
    const single = [];
    for (const crop of crops) single.push(...(await embedder.embed([crop])));
    for (let i = 0; i < crops.length; i++) {
      assert.ok(compare(batched[i]!, single[i]!) > 0.99999, `crop ${i}`);
      const norm = Math.hypot(...batched[i]!);
      assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    }
  } finally {
    await embedder.dispose();
    await embedder.dispose(); // idempotent
  }
});

test('fr_feature_512 (fixed batch 1): loops, one run per crop; chunkSize chunks a dynamic model', async () => {
  const fixed = await loadEmbedder(SCRFD_FR512());
  const chunked = await loadEmbedder(SCRFD_PADDLE128(), { chunkSize: 3 });
  try {
    assert.equal(fixed.embedder.batched, false);
    const out = await fixed.embedder.embed(crops);
    assert.equal(out.length, crops.length);
    assert.equal(fixed.session.stats.runs, crops.length);
    assert.ok(out.every((e) => e.length === 512));
    await chunked.embedder.embed(crops);
    assert.equal(chunked.session.stats.runs, Math.ceil(crops.length / 3));
  } finally {
    await fixed.embedder.dispose();
    await chunked.embedder.dispose();
  }
});

test('flip TTA = L2-normalised sum of the crop\'s and its mirror\'s embeddings (batched and looped)', async () => {
  for (const setSpec of [SCRFD_PADDLE128(), SCRFD_FR512()]) {
    const plain = await loadEmbedder(setSpec);
    const tta = await loadEmbedder(setSpec, { flipTTA: true });
    try {
      const withTta = await tta.embedder.embed(crops);
      const raw = await plain.embedder.embed(crops);
      const mirrored = await plain.embedder.embed(crops.map(mirror));
      for (let i = 0; i < crops.length; i++) {
        // Both inputs are unit vectors from the same model, so normalising their sum equals
        // normalising the sum of the raw outputs up to their (near-equal) norms; compare loosely.
        const expected = l2Normalize(raw[i]!.map((v, k) => v + mirrored[i]![k]!));
        assert.ok(compare(withTta[i]!, expected) > 0.999, `crop ${i}: ${compare(withTta[i]!, expected)}`);
        assert.ok(compare(withTta[i]!, raw[i]!) > 0.8, 'the TTA embedding stays close to the plain one');
      }
    } finally {
      await plain.embedder.dispose();
      await tta.embedder.dispose();
    }
  }
});


test('a session limited to batch 4 embeds 9 faces correctly: the embedder chunks to the session limit', async () => {
  const nine = Array.from({ length: 9 }, (_, i) => crops[i % crops.length]!);
  const limited = await loadEmbedder(SCRFD_PADDLE128(), {}, 4);
  const reference = await loadEmbedder(SCRFD_PADDLE128(), { chunkSize: 1 });
  try {
    assert.equal(limited.session.batchLimit, 4);
    // The limit is real: the session itself refuses a batch of 5.
    const input = limited.session.inputs[0]!;
    await assert.rejects(
      limited.session.run({ [input.name]: { type: 'float32', data: new Float32Array(5 * 3 * 112 * 112), dims: [5, 3, 112, 112] } }),
      (error: Error & { code?: string }) => error.code === 'INVALID_ARGUMENT' && /limit of 4/.test(error.message),
    );
    const out = await limited.embedder.embed(nine);
    assert.equal(out.length, 9);
    assert.equal(limited.session.stats.runs, 3, 'chunks of 4 + 4 + 1');
    const one = await reference.embedder.embed(nine);
    for (let i = 0; i < 9; i++) assert.ok(compare(out[i]!, one[i]!) > 0.99999, `face ${i}: ${compare(out[i]!, one[i]!)}`);
    // With flip TTA the views double (18) and still never exceed the limit.
    const tta = createEmbedder((await resolveModelSet(SCRFD_PADDLE128())).models.find((m) => m.manifest.task === 'embed')!.manifest, limited.session, { flipTTA: true });
    const before = limited.session.stats.runs;
    assert.equal((await tta.embed(nine)).length, 9);
    assert.equal(limited.session.stats.runs - before, 5, '18 views in chunks of at most 4');
  } finally {
    await limited.embedder.dispose();
    await reference.embedder.dispose();
  }
});
