/**
 * The tar reader/writer (sdk/storage/tar.ts): round trips, agreement with GNU tar both ways
 * (ustar, gnu long names, pax), and refusal of every unsafe or broken archive without writing
 * outside the destination. Unsafe archives are built here byte by byte (an independent ustar
 * header writer), since GNU tar will not write `..` or absolute names by default.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isArcEdgeError } from '../../sdk/index.ts';
import { createTar, extractTar } from '../../sdk/internal.ts';
import { sha256Hex } from '../../sdk/internal.ts';
import { paxHeader, setChecksum, ustarHeader as header } from '../helpers/tar-bytes.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-tar-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(work, `${name}-${++n}`);

function tree(dir: string, root = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, tree(p, root));
    else out[p.slice(root.length + 1)] = sha256Hex(readFileSync(p));
  }
  return out;
}

function sampleDir(): string {
  const dir = fresh('src');
  mkdirSync(join(dir, 'golden', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), '{"a":1}\n');
  writeFileSync(join(dir, 'model.onnx'), Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 7919) % 256)));
  writeFileSync(join(dir, 'golden', 'empty.bin'), '');
  writeFileSync(join(dir, 'golden', 'deep', `${'n'.repeat(90)}.png`), 'x'.repeat(512)); // a path over 100 bytes: ustar prefix
  return dir;
}

function archive(entries: { name: string; data?: string; type?: string; link?: string }[], end = true): string {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    parts.push(header(e.name, data.length, e.type ?? '0', e.link), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (end) parts.push(Buffer.alloc(1024));
  const path = `${fresh('raw')}.tar`;
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

async function refused(path: string, code: string, limits = { maxBytes: 1 << 20 }): Promise<string> {
  const dest = fresh('dest');
  await assert.rejects(extractTar(path, dest, limits), (e) => isArcEdgeError(e) && e.code === code && e.fix.length > 0);
  return dest;
}

test('round trip: the same files back, and the same bytes for the same tree', async () => {
  const src = sampleDir();
  const a = `${fresh('a')}.tar`;
  const b = `${fresh('b')}.tar`;
  const written = await createTar(src, a);
  await createTar(src, b);
  assert.equal(written.files, 4);
  assert.equal(sha256Hex(readFileSync(a)), sha256Hex(readFileSync(b)), 'deterministic');
  const dest = fresh('out');
  const result = await extractTar(a, dest, { maxBytes: 1 << 20 });
  assert.equal(result.files, 4);
  assert.deepEqual(tree(dest), tree(src));
});

test('GNU tar reads what we write and we read what GNU tar writes (gnu long names, pax, ./ prefixes)', async () => {
  const src = sampleDir();
  const ours = `${fresh('ours')}.tar`;
  await createTar(src, ours);
  const gnuOut = fresh('gnu-out');
  mkdirSync(gnuOut);
  assert.equal(spawnSync('tar', ['-xf', ours, '-C', gnuOut]).status, 0);
  assert.deepEqual(tree(gnuOut), tree(src));
  for (const format of ['gnu', 'pax', 'ustar']) {
    const theirs = `${fresh(format)}.tar`;
    const r = spawnSync('tar', [`--format=${format}`, '-cf', theirs, '-C', src, '.'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const dest = fresh(`from-${format}`);
    await extractTar(theirs, dest, { maxBytes: 1 << 20 });
    assert.deepEqual(tree(dest), tree(src), format);
  }
});

test('unsafe entries are refused and nothing lands outside the destination', async () => {
  const outside = join(work, 'escaped.txt');
  const dest = await refused(archive([{ name: 'ok.txt', data: 'fine' }, { name: '../escaped.txt', data: 'evil' }]), 'ARCHIVE_UNSAFE');
  assert.ok(!existsSync(outside), '../ wrote outside');
  assert.ok(!existsSync(join(dest, '..', 'escaped.txt')));
  await refused(archive([{ name: `${work}/abs.txt`, data: 'evil' }]), 'ARCHIVE_UNSAFE');
  assert.ok(!existsSync(join(work, 'abs.txt')));
  await refused(archive([{ name: 'a/../../x', data: 'evil' }]), 'ARCHIVE_UNSAFE');
  await refused(archive([{ name: 'link', type: '2', link: '/etc/passwd' }]), 'ARCHIVE_UNSAFE');
  await refused(archive([{ name: 'hard', type: '1', link: 'ok.txt' }]), 'ARCHIVE_UNSAFE');
  await refused(archive([{ name: 'dev', type: '3' }]), 'ARCHIVE_UNSAFE');
  await refused(archive([{ name: 'twice', data: 'a' }, { name: 'twice', data: 'b' }]), 'ARCHIVE_UNSAFE');
  // A symlink made by GNU tar from a real tree.
  const src = fresh('with-link');
  mkdirSync(src);
  writeFileSync(join(src, 'manifest.json'), '{}');
  symlinkSync('/etc/passwd', join(src, 'passwd'));
  const gnu = `${fresh('gnu-link')}.tar`;
  assert.equal(spawnSync('tar', ['-cf', gnu, '-C', src, '.']).status, 0);
  await refused(gnu, 'ARCHIVE_UNSAFE');
  await assert.rejects(createTar(src, `${fresh('no')}.tar`), (e) => isArcEdgeError(e, 'ARCHIVE_UNSAFE'), 'the writer refuses links too');
});

test('broken and oversized archives are refused', async () => {
  const good = readFileSync(archive([{ name: 'a.bin', data: 'x'.repeat(3000) }]));
  const truncated = `${fresh('trunc')}.tar`;
  writeFileSync(truncated, good.subarray(0, 512 + 1000));
  await refused(truncated, 'ARCHIVE_INVALID');
  const noEnd = `${fresh('noend')}.tar`;
  writeFileSync(noEnd, good.subarray(0, 512 + 3072));
  await refused(noEnd, 'ARCHIVE_INVALID');
  const badSum = Buffer.from(good);
  badSum[10] = 0x41;
  const badSumPath = `${fresh('badsum')}.tar`;
  writeFileSync(badSumPath, badSum);
  await refused(badSumPath, 'ARCHIVE_INVALID');
  await refused(archive([{ name: 'a.bin', data: 'x'.repeat(3000) }]), 'ARCHIVE_TOO_LARGE', { maxBytes: 2000 });
  await assert.rejects(
    extractTar(archive([{ name: 'a', data: '1' }, { name: 'b', data: '2' }, { name: 'c', data: '3' }]), fresh('many'), { maxBytes: 100, maxEntries: 2 }),
    (e) => isArcEdgeError(e, 'ARCHIVE_TOO_LARGE'),
  );
});

/** A pax `x` header with these records (tar-bytes.ts), before the entry it applies to. */
const paxBlocks = (records: Record<string, string>): Buffer => paxHeader(Object.entries(records));

function dirBytes(dir: string): number {
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) sum += e.isDirectory() ? dirBytes(join(dir, e.name)) : readFileSync(join(dir, e.name)).length;
  return sum;
}

test('a negative pax size cannot move the read position back to extract the same bytes again (finding 1)', async () => {
  // The proof of concept's layout: file headers H1..HN, then D data blocks, then one jump per
  // file (a pax size of minus the distance back to the next header). On the old reader this
  // tar of ~90 KB left ~700 KB (N x D) with maxBytes 128 KiB; every jump lowered the count.
  const N = 20;
  const d = 100;
  const B = 512;
  const jumpAt = (k: number) => N + d + 3 * (k - 1); // block index of jump k (x header, pax data, entry)
  const parts: Buffer[] = [];
  for (let k = 1; k <= N; k++) {
    const h = header(`f${k}`, 0, '0');
    const size = (jumpAt(k) - k) * B; // the data runs over the later headers and D, up to jump k
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
    parts.push(setChecksum(h));
  }
  parts.push(Buffer.alloc(d * B, 0x61));
  for (let k = 1; k < N; k++) {
    const back = (jumpAt(k) + 3 - (k + 1)) * B;
    const pax = paxBlocks({ size: `-${back}` });
    assert.equal(pax.length, 2 * B);
    parts.push(pax, header(`j${k}`, 0, '0'));
  }
  parts.push(Buffer.alloc(1024));
  const path = `${fresh('negative-pax')}.tar`;
  writeFileSync(path, Buffer.concat(parts));
  const dest = fresh('negative-pax-out');
  const maxBytes = 128 * 1024;
  const error = await extractTar(path, dest, { maxBytes }).then(() => undefined, (e: unknown) => e);
  const onDisk = existsSync(dest) ? dirBytes(dest) : 0;
  assert.ok(onDisk <= maxBytes, `${onDisk} bytes on disk with maxBytes ${maxBytes}`);
  assert.ok(isArcEdgeError(error, 'ARCHIVE_INVALID'), `refused as ARCHIVE_INVALID, got ${String(error)}`);
});

test('pax sizes that are not plain non-negative decimal integers are refused (finding 1)', async () => {
  for (const size of ['-1', '-0', '0x10', '1e3', '1.5', 'NaN', '', ' 12', '+12', '99999999999999999999', 'Infinity']) {
    const body = Buffer.from('hello');
    const path = `${fresh('pax-size')}.tar`;
    writeFileSync(path, Buffer.concat([paxBlocks({ size }), header('a.txt', body.length, '0'), body, Buffer.alloc(507), Buffer.alloc(1024)]));
    await assert.rejects(extractTar(path, fresh('pax-size-out'), { maxBytes: 1 << 20 }), (e) => isArcEdgeError(e, 'ARCHIVE_INVALID'), `pax size "${size}"`);
  }
  // A well-formed pax size is still read (GNU tar writes them for files over 8 GiB).
  const body = Buffer.from('hello');
  const ok = `${fresh('pax-ok')}.tar`;
  writeFileSync(ok, Buffer.concat([paxBlocks({ size: '5', path: 'long/name.txt' }), header('a.txt', 5, '0'), body, Buffer.alloc(507), Buffer.alloc(1024)]));
  const dest = fresh('pax-ok-out');
  assert.deepEqual(await extractTar(ok, dest, { maxBytes: 100 }), { files: 1, bytes: 5 });
  assert.equal(readFileSync(join(dest, 'long', 'name.txt'), 'utf8'), 'hello');
});

test('what extraction writes never exceeds the archive itself, whatever maxBytes says', async () => {
  const path = archive([{ name: 'a.bin', data: 'x'.repeat(3000) }]);
  const result = await extractTar(path, fresh('cap'), { maxBytes: Number.MAX_SAFE_INTEGER });
  assert.equal(result.bytes, 3000);
  await assert.rejects(extractTar(path, fresh('neg'), { maxBytes: -1 }), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});

test('a file where the archive later needs a folder is a typed refusal, not an ENOTDIR', async () => {
  await refused(archive([{ name: 'a', data: '1' }, { name: 'a/b', data: '2' }]), 'ARCHIVE_UNSAFE');
  await refused(archive([{ name: 'a', data: '1' }, { name: 'a/', type: '5' }]), 'ARCHIVE_UNSAFE');
});
