/**
 * Writes that fail lose nothing and say why: a real full disk (a 64 KiB tmpfs mounted by the
 * test; needs root, as CI has) and a real ENOTDIR. The model resolver must surface a full
 * cache as STORAGE_WRITE_FAILED, not as a download failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { getModelSet, resolveModel } from '../../sdk/models/index.ts';
import { writeFileAtomic } from '../../sdk/storage/atomic-file.ts';
import { assetModel } from '../helpers/assets.ts';

const mounts: string[] = [];
after(() => {
  for (const dir of mounts) spawnSync('umount', [dir]);
});

/** A tiny real file system that fills up; undefined when this user may not mount. */
function smallDisk(sizeKiB: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) return undefined;
  mounts.push(dir);
  return dir;
}

test('writeFileAtomic replaces the whole file and leaves no temp files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-atomic-'));
  const path = join(dir, 'nested', 'model.onnx');
  await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  await writeFileAtomic(path, 'second');
  assert.equal(readFileSync(path, 'utf8'), 'second');
  assert.deepEqual(readdirSync(join(dir, 'nested')), ['model.onnx']);
});

test('a full disk: STORAGE_WRITE_FAILED naming the path and the fix; the old file survives', async (t) => {
  const disk = smallDisk(64);
  if (!disk) return t.skip('mounting a tmpfs needs root (CI runs as root)');
  const path = join(disk, 'engine.bin');
  writeFileSync(path, 'previous engine');
  await assert.rejects(
    writeFileAtomic(path, new Uint8Array(256 * 1024), { relocateWith: 'ARCEDGE_ENGINE_CACHE' }),
    (error: unknown) => {
      assert.ok(isArcEdgeError(error, 'STORAGE_WRITE_FAILED'), String(error));
      assert.match(error.message, /cannot write .*engine\.bin: the disk is full \(ENOSPC\)/);
      assert.match(error.fix ?? '', /free space on the disk holding .*df -h.*ARCEDGE_ENGINE_CACHE/);
      return true;
    },
  );
  assert.equal(readFileSync(path, 'utf8'), 'previous engine');
  assert.deepEqual(readdirSync(disk), ['engine.bin']);
});

test('a parent that is a file: STORAGE_WRITE_FAILED (ENOTDIR)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-notdir-'));
  writeFileSync(join(dir, 'plain'), 'x');
  await assert.rejects(writeFileAtomic(join(dir, 'plain', 'model.onnx'), 'data'), (error: unknown) => {
    assert.ok(isArcEdgeError(error, 'STORAGE_WRITE_FAILED'), String(error));
    assert.match(error.message, /a parent of the path is a file, not a directory \(ENOTDIR\)/);
    return true;
  });
});

test('the model resolver reports a full cache as STORAGE_WRITE_FAILED, not as a failed download', async (t) => {
  const disk = smallDisk(64);
  if (!disk) return t.skip('mounting a tmpfs needs root (CI runs as root)');
  const manifest = getModelSet('paddle-mobilefacenet').files[0]!;
  // The "source" is a local fetch of the real asset, so the test needs no network.
  const bytes = readFileSync(assetModel('mobilefacenet_paddle_128.onnx'));
  const withSource = { ...manifest, sources: [{ type: 'https' as const, url: 'https://models.example/mobilefacenet_paddle_128.onnx' }] };
  const fetchAsset = async (): Promise<Response> => new Response(bytes, { status: 200, headers: { 'content-length': String(bytes.length) } });
  await assert.rejects(
    resolveModel(withSource, { home: disk, searchPath: [], fetch: fetchAsset }),
    (error: unknown) => {
      assert.ok(isArcEdgeError(error, 'STORAGE_WRITE_FAILED'), String(error));
      assert.match(error.fix ?? '', /ARCEDGE_HOME/);
      return true;
    },
  );
});
