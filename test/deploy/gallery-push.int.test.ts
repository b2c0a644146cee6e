/**
 * A pushed gallery swapped in (agent/deploy/gallery-push.ts) with real SQLite galleries and a
 * stand-in pipeline host (the swap only needs close/open between frames): the new file is
 * 0600 whatever mode it arrived with, and `<gallery>.previous`, which still holds everyone from
 * before the push, is deleted by forget's purge (finding 7: on 1819da4 the pushed file kept
 * 0644 and .previous kept forgotten people).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openGallery } from '../../sdk/index.ts';
import { applyGallery } from '../../agent/deploy/gallery-push.ts';
import type { DeployAgent } from '../../agent/deploy/apply.ts';
import { MODEL, crop } from '../gallery/contract.ts';
import { rng, unitVector } from '../gallery/random.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-gallery-push-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function galleryWith(path: string, names: string[]): Promise<void> {
  const g = await openGallery(path, { model: MODEL });
  const random = rng(names.length);
  for (const [i, name] of names.entries()) g.enroll({ id: name.toLowerCase(), name }, [{ embedding: unitVector(MODEL.embeddingSize, random), crop: crop(i) }]);
  g.close();
}

test('a pushed gallery is 0600 once swapped in; forget purges <gallery>.previous (finding 7)', async () => {
  const target = join(work, 'gallery.db');
  await galleryWith(target, ['Ada', 'Grace']);
  chmodSync(target, 0o600);
  const pushed = join(work, 'incoming-gallery.db');
  await galleryWith(pushed, ['Linus']);
  chmodSync(pushed, 0o644); // as 1819da4's transfer left it
  const logs: string[] = [];
  type Serving = { modelId: string; embeddingSize: number; gallery: { identities: number; templates: number; generation: number } };
  const host: { serving: Serving; [k: string]: unknown } = {
    serving: { modelId: MODEL.id, embeddingSize: MODEL.embeddingSize, gallery: { identities: 2, templates: 2, generation: 1 } },
    workerThreads: 1,
    hold: async () => {},
    release: () => {},
    call: async (name: string) => (name === 'galleryOpen' ? { identities: 1, templates: 1, generation: 1 } : {}),
    servingChanged(update: { serving?: Serving }) {
      if (update.serving) host.serving = update.serving; // as PipelineHost.servingChanged does
    },
  };
  const agent = { config: { gallery: target }, logger: { log: (_l: string, msg: string) => void logs.push(msg) }, host, statusChanged() {} } as unknown as DeployAgent;
  const result = await applyGallery(agent, { id: 't', kind: 'gallery', name: 'g', path: pushed, dir: work });
  assert.equal(result.identities, 1);
  assert.equal(statSync(target).mode & 0o777, 0o600, 'the served gallery is owner-only');
  assert.ok(existsSync(`${target}.previous`), 'the old gallery is kept for an undo');
  const previous = await openGallery(`${target}.previous`, { create: false, readOnly: true });
  assert.equal(previous.metadata().identities, 2, '.previous still holds Ada and Grace');
  previous.close();
  const { purgePreviousGallery } = await import('../../agent/deploy/gallery-previous.ts');
  assert.equal(purgePreviousGallery(target), true);
  assert.ok(!existsSync(`${target}.previous`), 'forget leaves no copy of the forgotten person');
  assert.equal(purgePreviousGallery(target), false);
});
