/**
 * The Gallery contract (STYLE.md #3): one suite, run against every implementation and
 * configuration (plaintext, int8 storage, encrypted). It sees only the Gallery interface and
 * synthetic embeddings whose expected scores it computes itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Frame, Gallery, GalleryModel, GalleryOptions } from '../../sdk/index.ts';
import { near, rng, unitVector } from './random.ts';

export type OpenGallery = (path: string, options?: GalleryOptions) => Promise<Gallery>;

export const MODEL: GalleryModel = { id: 'contract-model', embeddingSize: 32, recommendedThreshold: 0.5, recommendedFar: 1e-3 };

export function crop(seed: number, size = 8): Frame {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (seed * 31 + i * 7) & 0xff;
  return { width: size, height: size, data };
}

export function galleryContract(label: string, open: OpenGallery, options: GalleryOptions = {}): void {
  describe(`Gallery contract: ${label}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'arcedge-gallery-contract-'));
    let n = 0;
    const fresh = async (extra: GalleryOptions = {}): Promise<{ path: string; gallery: Gallery }> => {
      const path = join(dir, `g${n++}.db`);
      return { path, gallery: await open(path, { model: MODEL, ...options, ...extra }) };
    };
    const random = rng(42);
    const alice = unitVector(32, random);
    const bob = unitVector(32, random);

    test('a new gallery starts with the recognizer threshold and no one in it', async () => {
      const { gallery } = await fresh();
      const meta = gallery.metadata();
      assert.equal(meta.modelId, MODEL.id);
      assert.equal(meta.embeddingSize, 32);
      assert.equal(meta.threshold, 0.5);
      assert.equal(meta.far, 1e-3);
      assert.equal(meta.thresholdSource, 'recognizer');
      assert.equal(meta.generation, 1);
      assert.equal(meta.identities, 0);
      assert.equal(gallery.identify(alice).reason, 'empty-gallery');
      gallery.close();
    });

    test('enroll by name creates, then adds; --new makes a namesake; ambiguous names need an id', async () => {
      const { gallery } = await fresh();
      const first = gallery.enroll({ name: 'Alice' }, [{ embedding: alice, crop: crop(1), quality: 0.9, source: 'a1.jpg' }]);
      assert.equal(first.created, true);
      assert.equal(first.added.length, 1);
      const second = gallery.enroll({ name: 'Alice' }, [{ embedding: near(alice, 0.8, random), crop: crop(2), source: 'a2.jpg' }]);
      assert.equal(second.created, false);
      assert.equal(second.identity.id, first.identity.id);
      const namesake = gallery.enroll({ name: 'Alice', newIdentity: true }, [{ embedding: bob, crop: crop(3) }]);
      assert.equal(namesake.created, true);
      assert.notEqual(namesake.identity.id, first.identity.id);
      assert.throws(() => gallery.enroll({ name: 'Alice' }, [{ embedding: alice, crop: crop(4) }]), { code: 'GALLERY_NAME_AMBIGUOUS' });
      assert.equal(gallery.findByName('Alice').length, 2);
      const byId = gallery.enroll({ id: first.identity.id }, [{ embedding: near(alice, 0.7, random), crop: crop(5) }]);
      assert.equal(byId.identity.id, first.identity.id);
      assert.throws(() => gallery.enroll({ id: 'nobody' }, [{ embedding: alice, crop: crop(6) }]), { code: 'GALLERY_IDENTITY_NOT_FOUND' });
      const chosen = gallery.enroll({ id: 'emp-0042', name: 'Carol' }, [{ embedding: unitVector(32, random), crop: crop(7) }]);
      assert.deepEqual(chosen.identity, { id: 'emp-0042', name: 'Carol' });
      assert.equal(gallery.getIdentity(first.identity.id)!.templateCount, 3);
      gallery.close();
    });

    test('near-duplicates are skipped, against the gallery and within one call', async () => {
      const { gallery } = await fresh();
      gallery.enroll({ name: 'Alice' }, [{ embedding: alice, crop: crop(1) }]);
      const r = gallery.enroll({ name: 'Alice' }, [
        { embedding: near(alice, 0.99, random), crop: crop(2), source: 'dup-of-gallery' },
        { embedding: near(alice, 0.6, random), crop: crop(3), source: 'new' },
      ]);
      assert.deepEqual(r.skipped.map((s) => s.source), ['dup-of-gallery']);
      assert.equal(r.added.length, 1);
      gallery.close();
    });

    test('identify: match, below threshold, ambiguous; scores are cosine similarities', async () => {
      const { gallery } = await fresh();
      const a = gallery.enroll({ name: 'Alice' }, [{ embedding: alice, crop: crop(1) }]).identity;
      gallery.enroll({ name: 'Bob' }, [{ embedding: bob, crop: crop(2) }]);
      const probe = near(alice, 0.8, random);
      const hit = gallery.identify(probe);
      assert.deepEqual(hit.identity, a);
      let expected = 0;
      for (let i = 0; i < 32; i++) expected += probe[i]! * alice[i]!;
      // float16/int8 matrices round scores (match.test.ts measures by how much): 1e-2 covers both.
      assert.ok(Math.abs(hit.score - expected) < (options.storage && options.storage !== 'float32' ? 1e-2 : 1e-5), `${hit.score} vs ${expected}`);
      const stranger = gallery.identify(unitVector(32, rng(7)));
      assert.equal(stranger.identity, null);
      assert.equal(stranger.reason, 'below-threshold');
      assert.notEqual(stranger.candidate, null);
      const between = new Float32Array(32).map((_, i) => alice[i]! + bob[i]!);
      const tie = gallery.identify(between, { threshold: 0.1, margin: 0.05 });
      assert.equal(tie.reason, 'ambiguous');
      assert.equal(tie.identity, null);
      assert.equal(gallery.rank(probe, 2)[0]!.identity.name, 'Alice');
      gallery.close();
    });

    test('bad embeddings: another size is GALLERY_MODEL_MISMATCH, NaN or zero is INVALID_ARGUMENT, nothing is written', async () => {
      const { gallery } = await fresh();
      assert.throws(() => gallery.enroll({ name: 'X' }, [{ embedding: new Float32Array(512).fill(0.04), crop: crop(1) }]), { code: 'GALLERY_MODEL_MISMATCH' });
      assert.throws(() => gallery.enroll({ name: 'X' }, [{ embedding: new Float32Array(32).fill(Number.NaN), crop: crop(1) }]), { code: 'INVALID_ARGUMENT' });
      assert.throws(() => gallery.enroll({ name: 'X' }, [{ embedding: new Float32Array(32), crop: crop(1) }]), { code: 'INVALID_ARGUMENT' });
      assert.throws(() => gallery.enroll({ name: 'X' }, [{ embedding: alice, crop: { width: 8, height: 8, data: new Uint8Array(5) } }]), { code: 'INVALID_ARGUMENT' });
      assert.throws(() => gallery.identify(new Float32Array(128).fill(0.1)), { code: 'GALLERY_MODEL_MISMATCH' });
      assert.equal(gallery.metadata().identities, 0);
      gallery.close();
    });

    test('rename, metadata, crops, remove template and identity; all of it survives reopening', async () => {
      const { path, gallery } = await fresh();
      const r = gallery.enroll({ name: 'Alice' }, [
        { embedding: alice, crop: crop(1), source: 'a1' },
        { embedding: near(alice, 0.7, random), crop: crop(2), source: 'a2' },
      ]);
      const b = gallery.enroll({ name: 'Bob' }, [{ embedding: bob, crop: crop(3) }]).identity;
      assert.deepEqual(gallery.getCrop(r.added[1]!.id)!.data, crop(2).data);
      assert.equal(gallery.renameIdentity(r.identity.id, 'Alice Smith').name, 'Alice Smith');
      assert.deepEqual(gallery.setIdentityMetadata(r.identity.id, { badge: 7 }).metadata, { badge: 7 });
      assert.equal(gallery.removeTemplate(r.added[0]!.id), true);
      assert.equal(gallery.removeTemplate(r.added[0]!.id), false);
      assert.equal(gallery.removeIdentity(b.id), true);
      assert.equal(gallery.removeIdentity(b.id), false);
      assert.throws(() => gallery.renameIdentity('nobody', 'x'), { code: 'GALLERY_IDENTITY_NOT_FOUND' });
      gallery.setThreshold({ threshold: 0.33, far: 1e-2, source: 'calibrated', margin: 0.02 });
      const before = gallery.identify(near(alice, 0.9, random));
      gallery.close();
      assert.throws(() => gallery.metadata(), { code: 'GALLERY_CLOSED' });
      const again = await open(path, options);
      const meta = again.metadata();
      assert.deepEqual([meta.identities, meta.templates, meta.threshold, meta.far, meta.thresholdSource, meta.margin], [1, 1, 0.33, 1e-2, 'calibrated', 0.02]);
      const details = again.getIdentity(r.identity.id)!;
      assert.equal(details.name, 'Alice Smith');
      assert.deepEqual(details.metadata, { badge: 7 });
      assert.deepEqual(details.templates.map((t) => t.source), ['a2']);
      assert.equal(again.identify(near(alice, 0.9, random)).identity?.name, before.identity?.name);
      assert.equal([...again.templates()].length, 1);
      again.close();
    });

    test('reload() picks up another connection\'s commit', async () => {
      const { path, gallery } = await fresh();
      gallery.enroll({ name: 'Alice' }, [{ embedding: alice, crop: crop(1) }]);
      const reader = await open(path, options);
      assert.equal(reader.reload(), false);
      gallery.enroll({ name: 'Bob' }, [{ embedding: bob, crop: crop(2) }]);
      assert.equal(reader.identify(bob).identity, null);
      assert.equal(reader.reload(), true);
      assert.equal(reader.identify(bob).identity?.name, 'Bob');
      reader.close();
      gallery.close();
    });

    test('a read-only gallery refuses writes with GALLERY_READ_ONLY', async () => {
      const { path, gallery } = await fresh();
      gallery.enroll({ name: 'Alice' }, [{ embedding: alice, crop: crop(1) }]);
      gallery.close();
      const ro = await open(path, { ...options, readOnly: true });
      assert.throws(() => ro.enroll({ name: 'Bob' }, [{ embedding: bob, crop: crop(2) }]), { code: 'GALLERY_READ_ONLY' });
      assert.equal(ro.identify(alice).identity?.name, 'Alice');
      ro.close();
    });
  });
}
