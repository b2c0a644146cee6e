/** sha256 of files and buffers, lowercase hex: the identity of every model file. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Streams the file so a 170 MB recognizer never sits in memory just to be hashed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** npm's `dist.integrity` is an SRI string ("sha512-<base64>", possibly several, space-separated). */
export function checkIntegrity(bytes: Uint8Array, integrity: string): { ok: boolean; expected: string; actual: string } {
  const entries = integrity.trim().split(/\s+/).filter((e) => e.startsWith('sha512-'));
  const actual = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  return { ok: entries.includes(actual), expected: entries.join(' ') || integrity, actual };
}
