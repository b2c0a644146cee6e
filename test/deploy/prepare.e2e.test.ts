/**
 * What `arcedge deploy` checks on the host before any connection (tools/deploy/prepare.ts): a
 * package directory and a GNU-tar'd copy of it become the same bytes on the wire (so the same
 * transfer id, and a resume across both forms); a tampered or unsafe archive never leaves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isArcEdgeError } from '../../sdk/index.ts';
import { preparePackage, prepareGallery } from '../../tools/deploy/prepare.ts';
import { packages } from './fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-prepare-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a package directory and a tar of it (flat or in a folder) give the same file to send', async () => {
  const p = await packages();
  const fromDir = await preparePackage(p.trusted, [p.publicPem]);
  const flat = join(work, 'flat.tar');
  const nested = join(work, 'nested.tar');
  assert.equal(spawnSync('tar', ['-cf', flat, '-C', p.trusted, '.']).status, 0);
  assert.equal(spawnSync('tar', ['-cf', nested, '-C', join(p.trusted, '..'), 'pkg-trusted']).status, 0);
  for (const tar of [flat, nested]) {
    const fromTar = await preparePackage(tar, [p.publicPem]);
    assert.equal(fromTar.file.sha256, fromDir.file.sha256, tar);
    assert.equal(fromTar.file.bytes, fromDir.file.bytes);
    fromTar.cleanup();
  }
  assert.equal(fromDir.signatureChecked, true);
  fromDir.cleanup();
  await assert.rejects(preparePackage(p.untrusted, [p.publicPem]), (e) => isArcEdgeError(e, 'PACKAGE_SIGNATURE_INVALID'), 'with --pubkey the signature is checked');
  const unchecked = await preparePackage(p.untrusted, []);
  assert.equal(unchecked.signatureChecked, false, 'without --pubkey it is left to the devices');
  unchecked.cleanup();
});

test('a tampered package or an unsafe tar is refused before anything is sent', async () => {
  const p = await packages();
  const copy = join(work, 'tampered');
  cpSync(p.trusted, copy, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as { model: string };
  const model = readFileSync(join(copy, manifest.model));
  model[model.length >> 1]! ^= 0xff;
  writeFileSync(join(copy, manifest.model), model);
  await assert.rejects(preparePackage(copy, []), (e) => isArcEdgeError(e, 'PACKAGE_TAMPERED'));
  const tar = join(work, 'tampered.tar');
  assert.equal(spawnSync('tar', ['-cf', tar, '-C', copy, '.']).status, 0);
  await assert.rejects(preparePackage(tar, []), (e) => isArcEdgeError(e, 'PACKAGE_TAMPERED'));
  const escaping = join(work, 'escaping.tar');
  assert.equal(spawnSync('tar', ['-cf', escaping, '-P', '--transform', 's,^,../,', '-C', copy, 'manifest.json']).status, 0);
  await assert.rejects(preparePackage(escaping, []), (e) => isArcEdgeError(e, 'ARCHIVE_UNSAFE'));
  await assert.rejects(prepareGallery(join(copy, 'manifest.json')), (e) => isArcEdgeError(e, 'GALLERY_CORRUPT'), 'a gallery push needs an SQLite file');
});
