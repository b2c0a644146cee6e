/**
 * What survives, and what a damaged or mismatched file says: 0600 files, WAL on disk, a
 * process killed with SIGKILL mid-enrollment, truncated and overwritten files, another model,
 * a full disk (SQLite's page limit always; a real 1 MiB tmpfs where this machine lets us
 * mount), a read-only file system, and encryption keys. Each failure must leave the file as it
 * was (same sha256) or keep everything committed before it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openGallery } from '../../sdk/index.ts';
import { repoRoot } from '../helpers/assets.ts';
import { crop, MODEL } from './contract.ts';
import { near, rng, unitVector } from './random.ts';

const dir = mkdtempSync(join(tmpdir(), 'arcedge-gallery-durability-'));
let n = 0;
const newPath = (): string => join(dir, `g${n++}.db`);
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const random = rng(9);

async function populated(people = 3, templates = 4): Promise<string> {
  const path = newPath();
  const g = await openGallery(path, { model: MODEL });
  for (let i = 0; i < people; i++) {
    const base = unitVector(32, random);
    g.enroll({ name: `P${i}` }, Array.from({ length: templates }, (_, k) => ({ embedding: near(base, 0.6, random), crop: crop(i * 10 + k, 112) })), { duplicateThreshold: 1.01 });
  }
  g.close();
  return path;
}

test('the file and its -wal/-shm are 0600, and the file is in WAL mode on disk', async () => {
  const path = newPath();
  const g = await openGallery(path, { model: MODEL });
  g.enroll({ name: 'A' }, [{ embedding: unitVector(32, random), crop: crop(1) }]);
  for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal((statSync(f).mode & 0o777).toString(8), '600', f);
  // SQLite file format: bytes 18 and 19 (read/write versions) are 2 in WAL mode.
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  assert.deepEqual([header[18], header[19]], [2, 2]);
  g.close();
});

test('kill -9 mid-enrollment: the gallery opens cleanly with every committed template', async () => {
  const path = newPath();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'gallery', 'fixtures', 'enroll-forever.ts'), path, '5'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const committed: string[] = [];
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child committed only ${committed.length} enrollments in 120 s`)), 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) committed.push(line);
      if (committed.length >= 8 && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
        clearTimeout(timer);
      }
    });
    child.on('exit', () => resolve());
  });
  assert.equal(child.signalCode, 'SIGKILL');
  const g = await openGallery(path, { model: MODEL, verify: true });
  assert.deepEqual(g.check(), []);
  for (const line of committed) {
    const [, id, count] = line.split(' ');
    assert.equal(g.getIdentity(id!)?.templateCount, Number(count), `${id} lost templates`);
  }
  // At most the one in-flight transaction is absent; nothing half-written is visible.
  const ids = g.listIdentities();
  assert.ok(ids.length === committed.length || ids.length === committed.length + 1, `${ids.length} identities vs ${committed.length} committed`);
  for (const i of ids) assert.equal(i.templateCount, 20);
  g.enroll({ name: 'after the crash' }, [{ embedding: unitVector(32, random), crop: crop(1) }]);
  g.close();
});

test('a truncated file is GALLERY_CORRUPT and stays as it was', async () => {
  const path = await populated(6, 6);
  truncateSync(path, Math.floor(statSync(path).size / 2));
  const before = sha(path);
  await assert.rejects(openGallery(path, { model: MODEL }), { code: 'GALLERY_CORRUPT' });
  assert.equal(sha(path), before);
});

test('overwritten pages are GALLERY_CORRUPT at open', async () => {
  const path = await populated(6, 6);
  const fd = openSync(path, 'r+');
  const page = 4096;
  writeSync(fd, Buffer.alloc(page * 3, 0xa5), 0, page * 3, page * 2);
  closeSync(fd);
  await assert.rejects(openGallery(path, { model: MODEL }), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'GALLERY_CORRUPT');
    assert.match(e.message, /damaged|not a gallery/);
    return true;
  });
});

test('random bytes and foreign SQLite files: clear errors, files untouched', async () => {
  const noise = newPath();
  writeFileSync(noise, Buffer.from(Array.from({ length: 8192 }, () => Math.floor(random() * 256))));
  await assert.rejects(openGallery(noise), (e: { code?: string; message: string }) => e.code === 'GALLERY_KEY_REQUIRED' && /encrypted gallery .* or a damaged file/.test(e.message));
  const foreign = newPath();
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (p: string) => { exec(s: string): void; close(): void };
  const db = new Database(foreign);
  db.exec('CREATE TABLE notes (x TEXT)');
  db.close();
  const before = sha(foreign);
  await assert.rejects(openGallery(foreign, { model: MODEL }), (e: { code?: string; message: string }) => e.code === 'GALLERY_CORRUPT' && /not an arcedge gallery/.test(e.message));
  assert.equal(sha(foreign), before);
  await assert.rejects(openGallery(join(dir, 'missing.db'), { create: false }), { code: 'GALLERY_NOT_FOUND' });
  await assert.rejects(openGallery(join(dir, 'missing2.db')), { code: 'CONFIG_INVALID' });
});

test('another model or embedding size: GALLERY_MODEL_MISMATCH naming both, file untouched', async () => {
  const path = await populated();
  const before = sha(path);
  await assert.rejects(openGallery(path, { model: { ...MODEL, id: 'other-model' } }), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'GALLERY_MODEL_MISMATCH');
    assert.match(e.message, /contract-model.*other-model/);
    return true;
  });
  await assert.rejects(openGallery(path, { model: { ...MODEL, embeddingSize: 128 } }), { code: 'GALLERY_MODEL_MISMATCH' });
  assert.equal(sha(path), before);
});

test('a full gallery (SQLite page limit): GALLERY_WRITE_FAILED, nothing committed is lost, the index is unchanged', async () => {
  const path = await populated(2, 2);
  const size = statSync(path).size;
  const g = await openGallery(path, { model: MODEL, maxBytes: size + 8 * 4096 });
  const before = g.metadata();
  const base = unitVector(32, random);
  const big = Array.from({ length: 40 }, (_, k) => ({ embedding: near(base, 0.3, random), crop: crop(k, 112) }));
  await assert.rejects(async () => g.enroll({ name: 'Too big' }, big, { duplicateThreshold: 1.01 }), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'GALLERY_WRITE_FAILED');
    assert.match(e.message, /full .* rolled back/);
    return true;
  });
  assert.deepEqual([g.metadata().identities, g.metadata().templates], [before.identities, before.templates]);
  assert.equal(g.findByName('Too big').length, 0);
  g.enroll({ name: 'Small' }, [{ embedding: unitVector(32, random), crop: crop(1) }]);
  g.close();
  const again = await openGallery(path, { model: MODEL });
  assert.equal(again.metadata().identities, before.identities + 1);
  again.close();
});

/** A 1 MiB tmpfs, when this machine lets the test mount one (root, outside a locked-down container). */
function mountTmpfs(options: string): string | undefined {
  const mnt = join(dir, `mnt${n++}`);
  mkdirSync(mnt);
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt]).status === 0 ? mnt : undefined;
}

test('a really full disk (1 MiB tmpfs) and a read-only remount', async (t) => {
  const mnt = mountTmpfs('size=1m,mode=0700');
  if (!mnt) return t.skip('mounting a tmpfs is not permitted here; the page-limit test covers SQLITE_FULL');
  try {
    const path = join(mnt, 'g.db');
    const g = await openGallery(path, { model: MODEL });
    const added: string[] = [];
    let failure: { code?: string } | undefined;
    for (let i = 0; i < 100 && !failure; i++) {
      try {
        const base = unitVector(32, random);
        g.enroll({ name: `P${i}` }, Array.from({ length: 4 }, (_, k) => ({ embedding: near(base, 0.5, random), crop: crop(k, 112) })), { duplicateThreshold: 1.01 });
        added.push(`P${i}`);
      } catch (error) {
        failure = error as { code?: string };
      }
    }
    assert.equal(failure?.code, 'GALLERY_WRITE_FAILED', JSON.stringify(failure));
    assert.ok(added.length > 0);
    g.close();
    const again = await openGallery(path, { model: MODEL });
    assert.deepEqual(again.listIdentities().map((i) => i.name).sort(), [...added].sort());
    again.close();
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
    await assert.rejects(openGallery(path, { model: MODEL }), { code: 'GALLERY_READ_ONLY' });
    const ro = await openGallery(path, { model: MODEL, readOnly: true });
    assert.equal(ro.metadata().identities, added.length);
    ro.close();
  } finally {
    // Lazy: an SQLite handle the runtime has not yet released must not leave the mount behind.
    if (spawnSync('umount', [mnt]).status !== 0) spawnSync('umount', ['-l', mnt]);
  }
});
