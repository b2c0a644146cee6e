/**
 * Password hashes for the web login: scrypt from node:crypto, no native addon.
 *
 * Format (one line, `$`-separated): `scrypt$<N>$<r>$<p>$<salt base64>$<key base64>`, e.g.
 * `scrypt$32768$8$1$...$...`. N=2^15, r=8, p=1 are the parameters RFC 7914 section 2 discusses
 * for interactive logins and OWASP's password storage cheat sheet lists as a scrypt minimum
 * class; the salt is 16 random bytes and the key 32 bytes. The parameters travel in the hash,
 * so stronger ones can be used later without breaking existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ArcEdgeError } from '../errors.ts';

export const SCRYPT_DEFAULTS = { N: 32768, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

interface ParsedHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function derive(password: string, salt: Buffer, keyBytes: number, options: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128*N*r bytes; Node refuses above maxmem (32 MiB by default), which N=2^15, r=8 reaches.
  const scryptOptions: ScryptOptions = { ...options, maxmem: 256 * options.N * options.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keyBytes, scryptOptions, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string, options: Partial<typeof SCRYPT_DEFAULTS> = {}): Promise<string> {
  const o = { ...SCRYPT_DEFAULTS, ...options };
  if (password.length < 8) throw new ArcEdgeError('INVALID_ARGUMENT', 'the web password must have at least 8 characters', { fix: 'choose a longer password' });
  const salt = randomBytes(o.saltBytes);
  const key = await derive(password, salt, o.keyBytes, o);
  return ['scrypt', o.N, o.r, o.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Validates a stored hash once, at startup, so a typo fails the start and not every login. */
export function parsePasswordHash(hash: string, where: string): ParsedHash {
  const parts = hash.trim().split('$');
  const [scheme, n, r, p, salt, key] = parts;
  const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);
  const N = int(n);
  const bad = parts.length !== 6 || scheme !== 'scrypt' || !(N > 1 && (N & (N - 1)) === 0) || !(int(r) >= 1) || !(int(p) >= 1) || !salt || !key;
  if (bad) {
    throw new ArcEdgeError('CONFIG_INVALID', `${where} is not a scrypt$N$r$p$salt$key hash`, { fix: 'generate one with `arcedge web-password` and paste its output' });
  }
  return { N, r: int(r), p: int(p), salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

/** Constant-time comparison of the derived key; false for any wrong password. */
export async function verifyPassword(password: string, hash: ParsedHash): Promise<boolean> {
  if (password.length > 1024) return false; // no scrypt work for absurd inputs
  const key = await derive(password, hash.salt, hash.key.length, hash);
  return key.length === hash.key.length && timingSafeEqual(key, hash.key);
}
