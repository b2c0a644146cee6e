import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { extractTarFile, readTar } from '../../sdk/storage/tar.ts';
import { extractZipMember, readZipDirectory } from '../../sdk/models/zip.ts';

// Archives are built here by independent tools (GNU tar, Python's zipfile), never by our code.
const work = mkdtempSync(join(tmpdir(), 'arcedge-archive-'));
const longDir = `package/${'deep-folder-name/'.repeat(8)}model`; // > 100 characters: needs prefix / long-name records
const payloads = {
  small: Buffer.from('hello\n'),
  model: randomBytes(300_000),
  compressible: Buffer.alloc(200_000, 7),
};

describe('tar reader', () => {
  before(() => {
    mkdirSync(join(work, 'tar', longDir), { recursive: true });
    mkdirSync(join(work, 'tar', 'package', 'model'), { recursive: true });
    writeFileSync(join(work, 'tar', 'package', 'README.md'), payloads.small);
    writeFileSync(join(work, 'tar', 'package', 'model', 'a.onnx'), payloads.model);
    writeFileSync(join(work, 'tar', longDir, 'b.onnx'), payloads.compressible);
  });

  for (const format of ['ustar', 'gnu', 'pax']) {
    it(`reads a ${format} .tgz made by the system tar, long paths included`, () => {
      const tgz = join(work, `${format}.tgz`);
      execFileSync('tar', [`--format=${format}`, '-czf', tgz, '-C', join(work, 'tar'), 'package']);
      const archive = readFileSync(tgz);
      assert.deepEqual(extractTarFile(archive, 'package/README.md'), payloads.small);
      assert.deepEqual(extractTarFile(archive, 'package/model/a.onnx'), payloads.model);
      assert.deepEqual(extractTarFile(archive, `${longDir}/b.onnx`), payloads.compressible);
      assert.equal(extractTarFile(archive, 'package/missing.onnx'), undefined);
      const dirs = readTar(archive).filter((e) => e.type === '5');
      assert.ok(dirs.length >= 2, 'directories are listed with type 5');
    });
  }

  it('rejects a tar whose header checksum is wrong', () => {
    execFileSync('tar', ['--format=ustar', '-cf', join(work, 'plain.tar'), '-C', join(work, 'tar'), 'package/README.md']);
    const tar = readFileSync(join(work, 'plain.tar'));
    tar[0] ^= 0xff;
    assert.throws(() => readTar(tar), /checksum/);
  });
});

describe('zip reader', () => {
  const zipPath = join(work, 'pack.zip');
  before(() => {
    for (const [name, bytes] of Object.entries(payloads)) writeFileSync(join(work, `${name}.bin`), bytes);
    const script = [
      'import sys, zipfile',
      'w, z = sys.argv[1], sys.argv[2]',
      'with zipfile.ZipFile(z, "w") as f:',
      '    f.write(w + "/small.bin", "small.bin", compress_type=zipfile.ZIP_STORED)',
      '    f.write(w + "/model.bin", "buffalo_x/model.onnx", compress_type=zipfile.ZIP_DEFLATED)',
      '    f.write(w + "/compressible.bin", "c.onnx", compress_type=zipfile.ZIP_DEFLATED)',
      '    f.comment = b"a trailing comment the reader must skip"',
    ].join('\n');
    execFileSync('python3', ['-c', script, work, zipPath]);
  });

  it('lists the central directory and extracts stored and deflated members', () => {
    const zip = readFileSync(zipPath);
    const names = readZipDirectory(zip).map((e) => `${e.name}:${e.method}`);
    assert.deepEqual(names, ['small.bin:0', 'buffalo_x/model.onnx:8', 'c.onnx:8']);
    assert.deepEqual(extractZipMember(zip, 'small.bin'), payloads.small);
    assert.deepEqual(extractZipMember(zip, 'buffalo_x/model.onnx'), payloads.model);
    assert.deepEqual(extractZipMember(zip, 'c.onnx'), payloads.compressible);
  });

  it('finds a member wrapped in a folder by its base name, and returns undefined when absent', () => {
    const zip = readFileSync(zipPath);
    assert.deepEqual(extractZipMember(zip, 'model.onnx'), payloads.model);
    assert.equal(extractZipMember(zip, 'nothing.onnx'), undefined);
  });

  it('detects corrupted member data (CRC-32) and non-zip input', () => {
    const zip = Buffer.from(readFileSync(zipPath));
    const entry = readZipDirectory(zip).find((e) => e.name === 'small.bin')!;
    zip[entry.localHeaderOffset + 30 + 'small.bin'.length] ^= 0x01; // first data byte of a stored member
    assert.throws(() => extractZipMember(zip, 'small.bin'), /CRC-32/);
    assert.throws(() => readZipDirectory(randomBytes(100)), /not a zip/);
  });
});
