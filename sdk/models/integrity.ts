/** Checks a downloaded npm tarball against the registry's Subresource Integrity string. */
import { createHash } from 'node:crypto';

/** npm's `dist.integrity` is an SRI string ("sha512-<base64>", possibly several, space-separated). */
export function checkIntegrity(bytes: Uint8Array, integrity: string): { ok: boolean; expected: string; actual: string } {
  const entries = integrity.trim().split(/\s+/).filter((e) => e.startsWith('sha512-'));
  const actual = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  return { ok: entries.includes(actual), expected: entries.join(' ') || integrity, actual };
}
