/**
 * The device's model store and staging, without models: the pointer (the commit point of an
 * apply) round-trips and a damaged one is refused with a fix; startup cleaning removes exactly
 * the leftovers of an unfinished apply; a transfer that is not completely staged, or a device
 * that trusts no key, is refused with a reason that says what to do.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readTrustedKeys } from '../../agent/deploy/apply.ts';
import { readStaged } from '../../agent/deploy/staged.ts';
import { cleanStore, modelsDir, readPointer, writePointer, type ModelPointer } from '../../agent/deploy/store.ts';
import { parseConfig } from '../../agent/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'arcedge-deploy-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pointer: ModelPointer = {
  format: 'arcedge-model-pointer',
  current: { package: 'fr512', version: 3, dir: 'fr512-v3', model: 'fr.onnx', modelId: 'fr-512', embeddingSize: 512 },
  history: [{ package: 'config', version: 0, modelId: 'paddle-128', embeddingSize: 128 }],
  generation: 4,
  committedAt: new Date().toISOString(),
};

test('the pointer round-trips; a damaged pointer is refused with a fix', () => {
  const data = join(dir, 'pointer');
  assert.equal(readPointer(data), undefined);
  writePointer(data, pointer);
  assert.deepEqual(readPointer(data), pointer);
  assert.deepEqual(readdirSync(modelsDir(data)), ['current.json'], 'no temporary file is left beside it');
  writeFileSync(join(modelsDir(data), 'current.json'), '{"format": "arcedge-model-pointer"');
  assert.throws(() => readPointer(data), (e: { code: string; fix: string }) => e.code === 'CONFIG_INVALID' && e.fix.includes('delete'));
});

test('startup cleaning removes partial copies and folders the pointer does not name, nothing else', () => {
  const data = join(dir, 'clean');
  writePointer(data, pointer);
  const root = modelsDir(data);
  for (const d of ['fr512-v3', 'fr512-v4', '.partial-fr512-v5']) mkdirSync(join(root, d, 'selftest'), { recursive: true });
  writeFileSync(join(root, 'deploy-status.json'), '{}');
  assert.deepEqual(cleanStore(data, readPointer(data)).sort(), ['.partial-fr512-v5', 'fr512-v4']);
  assert.deepEqual(readdirSync(root).sort(), ['current.json', 'deploy-status.json', 'fr512-v3']);
});

test('a transfer that is not completely staged is not applied', () => {
  const data = join(dir, 'staged');
  const code = (fn: () => unknown) => assert.throws(fn, (e: { code: string; message: string }) => e.code === 'DEPLOY_NOT_STAGED');
  code(() => readStaged(data, 'never-sent'));
  code(() => readStaged(data, '../escape'));
  mkdirSync(join(data, 'incoming', 'half', 'package'), { recursive: true });
  assert.throws(() => readStaged(data, 'half'), /still being received/);
  writeFileSync(join(data, 'incoming', 'half', 'transfer.json'), JSON.stringify({ kind: 'model-package', name: 'x', bytes: 1, sha256: 'a', complete: false }));
  code(() => readStaged(data, 'half'));
  writeFileSync(join(data, 'incoming', 'half', 'transfer.json'), JSON.stringify({ kind: 'model-package', name: 'x', bytes: 1, sha256: 'a', complete: true }));
  assert.equal(readStaged(data, 'half').kind, 'model-package');
  assert.ok(existsSync(readStaged(data, 'half').path));
});

test('a device that trusts no key refuses every package, and the fix says how to add one', () => {
  const config = parseConfig({ device: { id: 'd' }, cameras: [{ id: 'c', source: 'file:///x.mp4' }] }, dir, join(dir, 'agent.yaml'));
  assert.deepEqual(config.deploy, { trustedKeys: [], keep: 2, minVersion: 0, revoked: [] });
  assert.throws(() => readTrustedKeys(config), (e: { code: string; fix: string }) => e.code === 'PACKAGE_SIGNATURE_INVALID' && e.fix.includes('deploy.trustedKeys'));
  const relative = parseConfig({ device: { id: 'd' }, cameras: [{ id: 'c', source: 'file:///x.mp4' }], deploy: { trustedKeys: ['keys/public.pem'] } }, dir, join(dir, 'agent.yaml'));
  assert.deepEqual(relative.deploy.trustedKeys, [join(dir, 'keys', 'public.pem')], 'relative to the config file');
  assert.throws(() => readTrustedKeys(relative), (e: { code: string }) => e.code === 'CONFIG_INVALID');
});
