/**
 * Optional encryption of the event history (config events.encrypt), with the gallery's key:
 * events.db becomes an SQLCipher 4 file like an encrypted gallery, and each snapshot JPEG is
 * sealed with AES-256-GCM under a key derived from it (HKDF-SHA256, its own label, so the two
 * uses never share a key). Scope, said plainly in docs/security.md: it protects a disk or an SD
 * card taken out of the device (or a backup of data/), not a running agent, which holds the key.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ArcEdgeError } from '../../sdk/index.ts';

const MAGIC = Buffer.from('AES1');

/** The gallery key from $ARCEDGE_GALLERY_KEY or the 0600 file $ARCEDGE_GALLERY_KEY_FILE (the SDK's sources, same rules). */
export function eventsKey(env: NodeJS.ProcessEnv = process.env): string {
  let key = env.ARCEDGE_GALLERY_KEY;
  const file = env.ARCEDGE_GALLERY_KEY_FILE;
  if (!key && file) {
    const mode = statSync(file, { throwIfNoEntry: false })?.mode;
    if (mode === undefined) throw new ArcEdgeError('CONFIG_INVALID', `events.encrypt: $ARCEDGE_GALLERY_KEY_FILE names ${file}, which does not exist`);
    if ((mode & 0o077) !== 0) throw new ArcEdgeError('CONFIG_INVALID', `events.encrypt: the key file ${file} is readable by others`, { fix: `chmod 600 ${file}` });
    key = readFileSync(file, 'utf8').trim();
  }
  if (!key || key.length < 8) {
    throw new ArcEdgeError('CONFIG_INVALID', 'events.encrypt is on but no gallery key of 8 or more characters is set', {
      fix: 'set ARCEDGE_GALLERY_KEY or ARCEDGE_GALLERY_KEY_FILE (a flashed device: arcedge flash --gallery-key-file), or turn events.encrypt off',
    });
  }
  return key;
}

export class SnapshotCipher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'arcedge', 'arcedge-snapshots-v1', 32));
  }

  seal(plain: Uint8Array): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  /** The JPEG; a file written before encryption was turned on is returned as it is; a forged or damaged one is undefined. */
  open(stored: Buffer): Buffer | undefined {
    if (!isSealed(stored)) return stored;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, stored.subarray(4, 16));
      decipher.setAuthTag(stored.subarray(16, 32));
      return Buffer.concat([decipher.update(stored.subarray(32)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

export const isSealed = (stored: Uint8Array): boolean => stored.length >= 32 && Buffer.from(stored.subarray(0, 4)).equals(MAGIC);
