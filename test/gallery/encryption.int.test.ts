/**
 * Encryption at rest (better-sqlite3-multiple-ciphers, SQLCipher 4 format): names and crops
 * are not readable in the file, the right key opens it, and every wrong combination is a
 * clear error that leaves the file byte-for-byte unchanged.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openGallery } from '../../sdk/index.ts';
import { crop, MODEL } from './contract.ts';
import { rng, unitVector } from './random.ts';

const installed = (() => {
  try {
    createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
    return true;
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(join(tmpdir(), 'arcedge-gallery-enc-'));

// The cipher build is an optional dependency: npm drops it silently when its compile fails, and
// the suite below then only skips. CI (CI=true) must have it, so there its absence is a failure.
test('the optional better-sqlite3-multiple-ciphers build is installed and loads', (t) => {
  if (!installed && process.env.CI !== 'true') return t.skip('better-sqlite3-multiple-ciphers is not installed (optional; CI requires it)');
  assert.ok(installed, 'better-sqlite3-multiple-ciphers is missing: its native build failed during npm ci (see the npm log); CI requires it');
  const Database = createRequire(import.meta.url)('better-sqlite3-multiple-ciphers') as new (path: string) => { pragma(s: string, o: { simple: true }): unknown; close(): void };
  const db = new Database(':memory:');
  try {
    assert.match(String(db.pragma('cipher_version', { simple: true }) ?? db.pragma('cipher', { simple: true })), /\w/, 'the build answers a cipher pragma');
  } finally {
    db.close();
  }
});
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const KEY = 'correct horse battery staple';

test('an encrypted gallery hides its contents and opens only with its key', { skip: !installed && 'better-sqlite3-multiple-ciphers is not installed' }, async () => {
  const path = join(dir, 'enc.db');
  const random = rng(5);
  const probe = unitVector(32, random);
  const g = await openGallery(path, { model: MODEL, key: KEY });
  g.enroll({ name: 'Zebediah Quux' }, [{ embedding: probe, crop: crop(1), source: 'secret-source.jpg' }]);
  assert.equal(g.metadata().encrypted, true);
  g.close();
  const bytes = readFileSync(path);
  assert.notEqual(bytes.subarray(0, 15).toString('latin1'), 'SQLite format 3');
  assert.equal(bytes.includes(Buffer.from('Zebediah Quux')), false);
  assert.equal(bytes.includes(Buffer.from('secret-source.jpg')), false);
  const before = sha(path);

  await assert.rejects(openGallery(path, { model: MODEL }), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'GALLERY_KEY_REQUIRED');
    assert.match(e.message, /encrypted gallery/);
    return true;
  });
  await assert.rejects(openGallery(path, { model: MODEL, key: 'wrong key, same length!!!' }), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'GALLERY_KEY_INVALID');
    assert.match(e.message, /does not open/);
    return true;
  });
  assert.equal(sha(path), before);

  // The key from a 0600 file; a file others can read is refused.
  const keyFile = join(dir, 'gallery.key');
  writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  const previous = process.env.ARCEDGE_GALLERY_KEY_FILE;
  process.env.ARCEDGE_GALLERY_KEY_FILE = keyFile;
  try {
    const again = await openGallery(path, { model: MODEL });
    assert.equal(again.identify(probe).identity?.name, 'Zebediah Quux');
    again.close();
    chmodSync(keyFile, 0o644);
    await assert.rejects(openGallery(path, { model: MODEL }), (e: { code?: string; message: string }) => e.code === 'CONFIG_INVALID' && /readable by others/.test(e.message));
  } finally {
    if (previous === undefined) delete process.env.ARCEDGE_GALLERY_KEY_FILE;
    else process.env.ARCEDGE_GALLERY_KEY_FILE = previous;
  }
});

test('a key for a plaintext gallery is refused, not silently ignored', async () => {
  const path = join(dir, 'plain.db');
  const g = await openGallery(path, { model: MODEL });
  g.enroll({ name: 'A' }, [{ embedding: unitVector(32, rng(1)), crop: crop(1) }]);
  g.close();
  const before = sha(path);
  await assert.rejects(openGallery(path, { model: MODEL, key: KEY }), (e: { code?: string; message: string }) => e.code === 'GALLERY_KEY_INVALID' && /plaintext/.test(e.message));
  assert.equal(sha(path), before);
  await assert.rejects(openGallery(path, { model: MODEL, key: 'short' }), { code: 'CONFIG_INVALID' });
});
