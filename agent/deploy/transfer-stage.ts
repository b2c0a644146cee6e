/**
 * The commit step of a transfer (agent/deploy/transfer-store.ts): reassemble the chunks in
 * order while hashing them, check the sha256 the host declared, then stage the result where the
 * apply command looks for it (package/ extracted by the safe tar reader, or gallery.db). Every
 * step writes beside its target and renames, so an interrupted commit leaves only leftovers the
 * next commit removes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArcEdgeError, type TransferKind } from '../../sdk/index.ts';
import { extractTar } from '../../sdk/internal.ts';

export const PARTIAL = 'transfer.partial.json';
export const DONE = 'transfer.json';
export const CHUNKS = 'chunks';

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Stages a fully received transfer; returns the sha256 it checked. Throws TRANSFER_HASH_MISMATCH
 * or the tar reader's ARCHIVE_* error; the caller then deletes the whole transfer folder.
 */
export async function stage(folder: string, state: { transfer: string; kind: TransferKind; bytes: number; chunks: number; sha256: string }, maxBytes: number): Promise<string> {
  const payload = join(folder, 'payload.tmp');
  const staged = join(folder, 'package.tmp');
  // Leftovers of a commit interrupted by a crash: redo it from the chunks.
  for (const p of [payload, staged, join(folder, 'package'), join(folder, 'gallery.db')]) rmSync(p, { recursive: true, force: true });
  const hash = createHash('sha256');
  const out = await open(payload, 'w', 0o600); // a gallery is biometric data: owner-only from the start
  try {
    for (let i = 0; i < state.chunks; i++) {
      const data = await readFile(join(folder, CHUNKS, String(i)));
      hash.update(data);
      await out.write(data);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== state.sha256) {
    throw new ArcEdgeError('TRANSFER_HASH_MISMATCH', `transfer "${state.transfer}" reassembled to sha256 ${sha256}; the host declared ${state.sha256}`, {
      details: { transfer: state.transfer, sha256, expected: state.sha256 },
    });
  }
  if (state.kind === 'model-package') {
    // A package unpacks to less than its tar: the declared size caps what extraction may write.
    await extractTar(payload, staged, { maxBytes: Math.min(maxBytes, state.bytes) });
    renameSync(staged, join(folder, 'package'));
    rmSync(payload, { force: true });
  } else renameSync(payload, join(folder, 'gallery.db'));
  return sha256;
}
