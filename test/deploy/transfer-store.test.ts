/**
 * The device's transfer store (agent/deploy/transfer-store.ts) without MQTT: chunk bookkeeping,
 * resume after a restart (a new store on the same folder), every refusal, the staging layout
 * the apply command reads (transfer.json last), and that nothing is kept of a bad transfer.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TransferStore, type TransferState } from '../../agent/deploy/transfer-store.ts';
import { COMMAND_SCHEMAS, isArcEdgeError, type TransferCommand } from '../../sdk/index.ts';
import { createTar } from '../../sdk/internal.ts';
import { ustarHeader } from '../helpers/tar-bytes.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-store-'));
after(() => rmSync(work, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const LIMITS = { maxBytes: 10 * 1024 * 1024, staleMs: 3600_000, reserveBytes: 0 };
let nextId = 0;
const id = () => `r${++nextId}`;

function chunksOf(file: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < file.length; at += size) out.push(file.subarray(at, at + size));
  return out;
}
const begin = (store: TransferStore, transfer: string, file: Buffer, kind: 'model-package' | 'gallery', chunkBytes = 1024) =>
  store.run({ id: id(), op: 'begin', transfer, kind, name: 'x', bytes: file.length, sha256: sha(file), chunkBytes }) as Promise<TransferState>;
const chunk = (store: TransferStore, transfer: string, index: number, data: Buffer) =>
  store.run({ id: id(), op: 'chunk', transfer, index, data: data.toString('base64'), sha256: sha(data) });
const op = (store: TransferStore, transfer: string, name: 'status' | 'commit' | 'abort') => store.run({ id: id(), op: name, transfer } as TransferCommand) as Promise<TransferState>;
const code = (c: string) => (e: unknown) => isArcEdgeError(e) && e.code === c;

async function packageTar(): Promise<Buffer> {
  const dir = join(work, 'pkg-src');
  mkdirSync(join(dir, 'golden'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), '{"name":"p"}');
  writeFileSync(join(dir, 'golden', 'a.bin'), Buffer.alloc(5000, 7));
  await createTar(dir, join(work, 'pkg.tar'));
  return readFileSync(join(work, 'pkg.tar'));
}

test('chunks survive a restart; commit stages package/ and writes transfer.json last', async () => {
  const dir = join(work, 'incoming-1');
  const file = await packageTar();
  const parts = chunksOf(file, 1024);
  let store = new TransferStore(dir, LIMITS);
  const first = await begin(store, 't1', file, 'model-package');
  assert.equal(first.chunks, parts.length);
  assert.deepEqual(first.missing, parts.map((_, i) => i));
  for (let i = 0; i < 3; i++) await chunk(store, 't1', i, parts[i]!);
  await chunk(store, 't1', 1, parts[1]!); // a duplicate is acknowledged, not counted twice
  await assert.rejects(op(store, 't1', 'commit'), code('TRANSFER_INCOMPLETE'));
  assert.ok(!existsSync(join(dir, 't1', 'transfer.json')));

  store = new TransferStore(dir, LIMITS); // the agent restarted
  const resumed = await begin(store, 't1', file, 'model-package');
  assert.equal(resumed.received, 3);
  assert.deepEqual(resumed.missing, parts.map((_, i) => i).slice(3));
  for (const i of resumed.missing) await chunk(store, 't1', i, parts[i]!);
  const done = await op(store, 't1', 'commit');
  assert.equal(done.complete, true);
  const meta = JSON.parse(readFileSync(join(dir, 't1', 'transfer.json'), 'utf8'));
  assert.deepEqual(meta, { kind: 'model-package', name: 'x', bytes: file.length, sha256: sha(file), complete: true });
  assert.deepEqual(readdirSync(join(dir, 't1')).sort(), ['package', 'transfer.json']);
  assert.deepEqual(readFileSync(join(dir, 't1', 'package', 'golden', 'a.bin')), Buffer.alloc(5000, 7));
  // Committing or beginning again is harmless: the host may have missed the reply.
  assert.equal((await op(store, 't1', 'commit')).complete, true);
  assert.equal((await begin(store, 't1', file, 'model-package')).complete, true);
});

test('a gallery is staged as gallery.db', async () => {
  const dir = join(work, 'incoming-2');
  const file = Buffer.from('SQLite format 3\0' + 'g'.repeat(3000));
  const store = new TransferStore(dir, LIMITS);
  await begin(store, 'g1', file, 'gallery');
  for (const [i, part] of chunksOf(file, 1024).entries()) await chunk(store, 'g1', i, part);
  await op(store, 'g1', 'commit');
  assert.deepEqual(readFileSync(join(dir, 'g1', 'gallery.db')), file);
});

test('refusals: too large, over the pending cap, conflict, bad chunk, unknown transfer', async () => {
  const dir = join(work, 'incoming-3');
  const store = new TransferStore(dir, { ...LIMITS, maxBytes: 8192 });
  await assert.rejects(begin(store, 'big', Buffer.alloc(9000), 'gallery'), code('TRANSFER_TOO_LARGE'));
  await begin(store, 'p1', Buffer.alloc(5000, 1), 'gallery');
  await assert.rejects(begin(store, 'p2', Buffer.alloc(5000, 2), 'gallery'), code('TRANSFER_TOO_LARGE'), 'two unfinished transfers over maxBytes');
  await assert.rejects(begin(store, 'p1', Buffer.alloc(5000, 3), 'gallery'), code('TRANSFER_CONFLICT'));
  await assert.rejects(chunk(store, 'p1', 9, Buffer.alloc(1024, 1)), code('TRANSFER_CHUNK_INVALID'), 'out of range');
  await assert.rejects(chunk(store, 'p1', 0, Buffer.alloc(1000, 1)), code('TRANSFER_CHUNK_INVALID'), 'short chunk');
  await assert.rejects(
    store.run({ id: id(), op: 'chunk', transfer: 'p1', index: 0, data: Buffer.alloc(1024, 1).toString('base64'), sha256: sha(Buffer.alloc(1024, 2)) }),
    code('TRANSFER_CHUNK_INVALID'),
    'sha256 mismatch',
  );
  await assert.rejects(op(store, 'nope', 'status'), code('TRANSFER_UNKNOWN'));
  await assert.rejects(chunk(store, 'nope', 0, Buffer.alloc(10)), code('TRANSFER_UNKNOWN'));
  assert.equal((await op(store, 'p1', 'status')).received, 0, 'no bad chunk was kept');
  await op(store, 'p1', 'abort');
  assert.ok(!existsSync(join(dir, 'p1')));
  await begin(store, 'p2', Buffer.alloc(5000, 2), 'gallery'); // room again
});

test('the free-space check refuses a transfer the disk cannot hold twice', async () => {
  const store = new TransferStore(join(work, 'incoming-4'), { ...LIMITS, maxBytes: Number.MAX_SAFE_INTEGER, reserveBytes: Number.MAX_SAFE_INTEGER / 2 });
  await assert.rejects(begin(store, 'huge', Buffer.alloc(2048), 'gallery'), (e) => isArcEdgeError(e, 'TRANSFER_TOO_LARGE') && /free/.test(e.message));
});

test('a wrong sha256 or an unsafe tar is discarded whole', async () => {
  const dir = join(work, 'incoming-5');
  const store = new TransferStore(dir, LIMITS);
  const file = Buffer.alloc(2048, 9);
  await store.run({ id: id(), op: 'begin', transfer: 'h1', kind: 'gallery', name: 'x', bytes: file.length, sha256: sha(Buffer.alloc(2048, 8)), chunkBytes: 1024 });
  for (const [i, part] of chunksOf(file, 1024).entries()) await chunk(store, 'h1', i, part);
  await assert.rejects(op(store, 'h1', 'commit'), code('TRANSFER_HASH_MISMATCH'));
  assert.ok(!existsSync(join(dir, 'h1')));
  // A tar whose entry climbs out: checksum-valid, so only the extractor stops it.
  const evil = Buffer.concat([ustarHeader('../../evil.txt', 4), Buffer.from('evil'), Buffer.alloc(508), Buffer.alloc(1024)]);
  await begin(store, 'u1', evil, 'model-package');
  for (const [i, part] of chunksOf(evil, 1024).entries()) await chunk(store, 'u1', i, part);
  await assert.rejects(op(store, 'u1', 'commit'), code('ARCHIVE_UNSAFE'));
  assert.ok(!existsSync(join(dir, 'u1')));
  assert.ok(!existsSync(join(dir, '..', 'evil.txt')) && !existsSync(join(work, 'evil.txt')));
});

test('stale transfers are removed, fresh ones kept', async () => {
  const dir = join(work, 'incoming-6');
  const store = new TransferStore(dir, LIMITS);
  await begin(store, 'old', Buffer.alloc(2000), 'gallery');
  await begin(store, 'new', Buffer.alloc(2000, 1), 'gallery');
  const past = new Date(Date.now() - 2 * 3600_000);
  for (const p of ['', 'chunks', 'transfer.partial.json']) utimesSync(join(dir, 'old', p), past, past);
  assert.deepEqual(store.cleanStale(), ['old']);
  assert.deepEqual(readdirSync(dir), ['new']);
});

test('"." and ".." are not transfer ids: refused by the schemas and by the store', async () => {
  const dir = join(work, 'incoming-7');
  const store = new TransferStore(dir, LIMITS);
  writeFileSync(join(dir, 'keep.txt'), 'still here');
  for (const transfer of ['.', '..', '.hidden']) {
    const begin = { id: 'r', op: 'begin', transfer, kind: 'gallery', name: 'x', bytes: 10, sha256: 'a'.repeat(64), chunkBytes: 1024 };
    assert.equal(COMMAND_SCHEMAS.transfer.safeParse(begin).success, false, transfer);
    assert.equal(COMMAND_SCHEMAS.apply.safeParse({ id: 'r', transfer }).success, false, transfer);
    await assert.rejects(store.run(begin as TransferCommand), code('COMMAND_INVALID'));
    await assert.rejects(store.run({ id: 'r', op: 'abort', transfer } as TransferCommand), code('COMMAND_INVALID'));
  }
  assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'still here');
  assert.deepEqual(store.cleanStale(Date.now() + 10 * 3600_000), [], 'stray files are not transfers');
});

test('committed but never applied transfers count against the quota; a timer removes stale ones (finding 4)', async () => {
  const dir = join(work, 'incoming-quota');
  const store = new TransferStore(dir, { ...LIMITS, maxBytes: 16 * 1024 });
  // begin/chunk/commit cycles, never applied: on 1819da4 each was free again and the disk filled.
  let accepted = 0;
  for (let i = 0; i < 6; i++) {
    const file = Buffer.alloc(6000, i + 1);
    try {
      await begin(store, `g${i}`, file, 'gallery');
    } catch (error) {
      assert.ok(isArcEdgeError(error, 'TRANSFER_TOO_LARGE'), String(error));
      assert.match(error.fix, /apply or abort/);
      break;
    }
    for (const [k, part] of chunksOf(file, 1024).entries()) await chunk(store, `g${i}`, k, part);
    await op(store, `g${i}`, 'commit');
    accepted++;
  }
  assert.equal(accepted, 2, 'two 6000-byte transfers fit in 16 KiB, the third does not');
  store.close();
  const timed = new TransferStore(dir, { ...LIMITS, maxBytes: 16 * 1024, staleMs: 50, cleanupEveryMs: 25 });
  const old = new Date(Date.now() - 10_000);
  for (const g of ['g0', 'g1']) {
    for (const f of readdirSync(join(dir, g))) utimesSync(join(dir, g, f), old, old);
    utimesSync(join(dir, g), old, old);
  }
  const until = Date.now() + 5000;
  while (existsSync(join(dir, 'g0')) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  timed.close();
  assert.ok(!existsSync(join(dir, 'g0')) && !existsSync(join(dir, 'g1')), 'the timer removed the stale committed transfers without any begin');
});
