/**
 * What `arcedge deploy` and `arcedge gallery push` send, checked on the host first so a broken
 * package never leaves it: a package directory (or a .tar of one, unpacked with the same safe
 * reader the device uses) is verified like a device would, then re-packed as a clean,
 * deterministic tar; a gallery must be an SQLite file.
 */
import { existsSync, mkdtempSync, openSync, readdirSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ArcEdgeError, PACKAGE_MANIFEST, verifyPackage, type ModelPackageManifest } from '../../sdk/index.ts';
import { createTar, extractTar } from '../../sdk/internal.ts';
import { UsageError } from '../cli/command.ts';
import { sha256OfFile, type OutgoingFile } from './send-file.ts';

export interface Prepared {
  readonly file: OutgoingFile;
  readonly manifest?: ModelPackageManifest;
  /** Whether the signature was checked (--pubkey given). */
  readonly signatureChecked: boolean;
  cleanup(): void;
}

/** Limit for unpacking a user's .tar on the host; the device applies its own (transfers.maxBytes). */
const HOST_TAR_LIMIT = 16 * 1024 * 1024 * 1024;

/** The package root inside an unpacked tar: the top level, or its single folder (`tar -cf x.tar pkg/`). */
function packageRoot(dir: string): string {
  if (existsSync(join(dir, PACKAGE_MANIFEST))) return dir;
  const entries = readdirSync(dir);
  if (entries.length === 1 && statSync(join(dir, entries[0]!)).isDirectory() && existsSync(join(dir, entries[0]!, PACKAGE_MANIFEST))) return join(dir, entries[0]!);
  throw new ArcEdgeError('PACKAGE_INVALID', `the archive holds no ${PACKAGE_MANIFEST} at its top level or in a single top folder`, {
    fix: 'deploy the package directory written by `arcedge package --out <dir>`, or tar it with `tar -cf pkg.tar -C <dir> .`',
  });
}

export async function preparePackage(input: string, publicKeys: string[]): Promise<Prepared> {
  if (!existsSync(input)) throw new UsageError(`${input} does not exist`);
  const work = mkdtempSync(join(tmpdir(), 'arcedge-deploy-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    let dir = input;
    if (!statSync(input).isDirectory()) {
      if (!/\.tar$/i.test(input)) throw new UsageError(`${input} is neither a package directory nor a .tar`);
      await extractTar(input, join(work, 'unpacked'), { maxBytes: HOST_TAR_LIMIT });
      dir = packageRoot(join(work, 'unpacked'));
    }
    const verified = await verifyPackage(dir, publicKeys, { skipSignature: publicKeys.length === 0 });
    const tar = join(work, 'package.tar');
    await createTar(dir, tar);
    const { sha256, bytes } = await sha256OfFile(tar);
    return {
      file: { path: tar, kind: 'model-package', name: verified.manifest.name, bytes, sha256 },
      manifest: verified.manifest,
      signatureChecked: publicKeys.length > 0,
      cleanup,
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

export async function prepareGallery(input: string): Promise<Prepared> {
  if (!existsSync(input) || !statSync(input).isFile()) throw new UsageError(`${input} is not a file`);
  const head = Buffer.alloc(16);
  const fd = openSync(input, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) {
    throw new ArcEdgeError('GALLERY_CORRUPT', `${input} is not a plaintext SQLite gallery`, {
      fix: 'push the .db written by `arcedge enroll --gallery <file>` (an encrypted gallery cannot be pushed yet: export it with `arcedge gallery export` and enroll into a plaintext one)',
    });
  }
  // With a -wal beside it, the .db alone may miss committed changes (SQLite checkpoints on close).
  const wal = `${input}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new ArcEdgeError('GALLERY_CORRUPT', `${input} has changes still in ${wal}: the .db alone is not the whole gallery`, {
      fix: 'close whatever has the gallery open (an enroll or an agent), which folds the WAL into the .db, then push again',
    });
  }
  const { sha256, bytes } = await sha256OfFile(input);
  return { file: { path: input, kind: 'gallery', name: basename(input), bytes, sha256 }, signatureChecked: false, cleanup: () => {} };
}
