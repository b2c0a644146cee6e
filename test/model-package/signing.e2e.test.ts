/**
 * Signed model packages, end to end on the host: keys, a real package of fr_feature_512 with
 * golden faces from the dev photos, and verification by arcedge and by the standard tools the
 * docs give (openssl pkeyutl, sha256sum). Every tampered copy is refused by both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFacePipeline, isArcEdgeError, runPackageSelfTest, verifyPackage, type ModelPackageManifest } from '../../sdk/index.ts';
import { sha256Hex } from '../../sdk/internal.ts';
import { main } from '../../tools/main.ts';
import { quiet } from '../helpers/cli.ts';
import { assetModel, requireAssets } from '../helpers/assets.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-package-'));
const keys = join(work, 'keys');
const otherKeys = join(work, 'other-keys');
const pkg = join(work, 'pkg');
let publicPem: string;

/** The check docs/packages.md gives, with standard tools only. */
function standardCheck(dir: string): boolean {
  const sig = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(keys, 'public.pem'), '-rawin', '-in', 'manifest.json', '-sigfile', 'signature.sig'], { cwd: dir, encoding: 'utf8' });
  if (sig.status !== 0) return false;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { sha256sums: string };
  const sums = spawnSync('sha256sum', ['SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
  if (sums.status !== 0 || sums.stdout.split(' ')[0] !== manifest.sha256sums) return false;
  return spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' }).status === 0;
}

function tamperedCopy(name: string, change: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(pkg, dir, { recursive: true });
  change(dir);
  return dir;
}

before(async () => {
  assert.equal(await quiet(() => main(['keys', 'generate', '--out', keys])), 0);
  assert.equal(await quiet(() => main(['keys', 'generate', '--out', otherKeys])), 0);
  publicPem = readFileSync(join(keys, 'public.pem'), 'utf8');
  const code = await quiet(() =>
    main([
      'package', assetModel('fr_feature_512.onnx'), '--key', join(keys, 'private.pem'), '--out', pkg, '--version', '7',
      '--faces', join(requireAssets(), 'faces', 'deepface'), '--faces-models', `local:${join(requireAssets(), 'models')}`, '--detector', 'det_500m.onnx',
    ]),
  );
  assert.equal(code, 0);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('keys generate: private.pem is 0600 and never overwritten', async () => {
  assert.equal(statSync(join(keys, 'private.pem')).mode & 0o777, 0o600);
  assert.match(publicPem, /BEGIN PUBLIC KEY/);
  assert.equal(await quiet(() => main(['keys', 'generate', '--out', keys])), 1);
});

test('the package holds model, manifest sidecar, golden faces, SHA256SUMS and a signature; arcedge and the standard tools accept it', async () => {
  const { manifest } = await verifyPackage(pkg, [publicPem]);
  assert.equal(manifest.version, 7);
  assert.equal(manifest.embeddingSize, 512);
  assert.equal(manifest.selfTest.faces.length, 4);
  assert.deepEqual(manifest.files.map((f) => f.path).slice(0, 2), ['fr_feature_512.onnx', 'fr_feature_512.onnx.manifest.json']);
  assert.equal(manifest.sha256sums, sha256Hex(readFileSync(join(pkg, 'SHA256SUMS'))));
  assert.equal(standardCheck(pkg), true);
  assert.equal(await quiet(() => main(['package', 'verify', pkg, '--pubkey', join(keys, 'public.pem')])), 0);
});

test('the golden self-test passes with the packaged model and fails with another recognizer', async () => {
  const { manifest } = await verifyPackage(pkg, [publicPem]);
  const same = await createFacePipeline({ models: `local:${pkg}`, stages: ['embed'] });
  const other = await createFacePipeline({ models: `local:${join(requireAssets(), 'models')}`, stages: ['embed'], use: { embed: 'mobilefacenet_paddle_128.onnx' } });
  try {
    const ok = await runPackageSelfTest(pkg, manifest, (crops) => same.embed(crops));
    assert.equal(ok.passed, true, JSON.stringify(ok));
    assert.ok(ok.minCosine > 0.9999, `${ok.minCosine}`);
    const bad = await runPackageSelfTest(pkg, manifest, (crops) => other.embed(crops));
    assert.equal(bad.passed, false);
  } finally {
    await Promise.all([same.dispose(), other.dispose()]);
  }
});

test('tampered copies are refused by arcedge (with the reason) and by the standard tools', async () => {
  const cases: [string, (dir: string) => void, string][] = [
    ['flipped-byte', (d) => {
      const file = join(d, 'fr_feature_512.onnx');
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] ^= 0x01;
      writeFileSync(file, bytes);
    }, 'PACKAGE_TAMPERED'],
    ['flipped-and-sums-updated', (d) => {
      const file = join(d, 'fr_feature_512.onnx');
      const bytes = readFileSync(file);
      bytes[100] ^= 0x01;
      writeFileSync(file, bytes);
      const sums = readFileSync(join(d, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64}(?=  fr_feature_512\.onnx$)/m, sha256Hex(bytes));
      writeFileSync(join(d, 'SHA256SUMS'), sums);
    }, 'PACKAGE_TAMPERED'],
    ['manifest-edited', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as ModelPackageManifest;
      writeFileSync(join(d, 'manifest.json'), `${JSON.stringify({ ...m, version: 8 }, null, 2)}\n`);
    }, 'PACKAGE_SIGNATURE_INVALID'],
    ['unsigned', (d) => rmSync(join(d, 'signature.sig')), 'PACKAGE_SIGNATURE_INVALID'],
    ['unknown-key', (d) => {
      spawnSync('openssl', ['pkeyutl', '-sign', '-inkey', join(otherKeys, 'private.pem'), '-rawin', '-in', 'manifest.json', '-out', 'signature.sig'], { cwd: d });
    }, 'PACKAGE_SIGNATURE_INVALID'],
    ['extra-file', (d) => writeFileSync(join(d, 'selftest', 'extra.png'), 'x'), 'PACKAGE_TAMPERED'],
  ];
  for (const [name, change, code] of cases) {
    const dir = tamperedCopy(name, change);
    await assert.rejects(verifyPackage(dir, [publicPem]), (e: unknown) => isArcEdgeError(e, code as never), name);
    if (name !== 'extra-file') assert.equal(standardCheck(dir), false, `${name}: the standard tools must refuse it too`);
    assert.equal(await quiet(() => main(['package', 'verify', dir, '--pubkey', join(keys, 'public.pem')])), 1, name);
  }
  assert.ok(existsSync(join(pkg, 'signature.sig')), 'the original is untouched');
});
