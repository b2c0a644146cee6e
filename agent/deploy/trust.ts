/**
 * Anti-downgrade beyond "newer than the serving package of the same name": a validly signed
 * package never expires, so an old one (another name, a known-bad version) could be replayed
 * by anyone who can publish `cmd/apply`. Three rules, checked after the signature:
 *
 * - a per-signing-key floor: once a key's package version V was applied, nothing signed by
 *   that key below V is accepted, whatever its name (kept in <dataDir>/models/key-floors.json,
 *   so it survives restarts and rollbacks do not lower it);
 * - `deploy.minVersion`: a floor for every key, for a device that has never seen a deploy;
 * - `deploy.revoked`: "sha256:<key fingerprint>" refuses everything a key signed;
 *   "<package>@<version>" refuses one package version.
 *
 * The fingerprint is the sha256 of the key's DER SubjectPublicKeyInfo, hex (the same value the
 * refusal's details show, and `openssl pkey -pubin -in public.pem -outform DER | sha256sum`).
 */
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import { writeJsonAtomic } from './transfer-stage.ts';

export function keyFingerprint(pem: string): string {
  return createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex');
}

const floorsFile = (dataDir: string) => join(dataDir, 'models', 'key-floors.json');

export function readKeyFloors(dataDir: string): Record<string, number> {
  const path = floorsFile(dataDir);
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => /^[0-9a-f]{64}$/.test(e[0]) && Number.isSafeInteger(e[1])));
    }
  } catch {
    // unreadable: fall through to refusing, never to forgetting the floors
  }
  throw new ArcEdgeError('CONFIG_INVALID', `${path} is not readable JSON; the per-key version floors cannot be checked`, {
    fix: `restore it, or delete it to reset the floors (older signed packages then become acceptable again)`,
    details: { path },
  });
}

/** Throws PACKAGE_REVOKED or PACKAGE_VERSION_OLDER when `pkg` signed by `keyPem` must not be applied. */
export function checkTrust(options: { dataDir: string; minVersion: number; revoked: readonly string[] }, pkg: { name: string; version: number }, keyPem: string): void {
  const fingerprint = keyFingerprint(keyPem);
  const revoked = new Set(options.revoked.map((r) => r.trim().toLowerCase()));
  if (revoked.has(`sha256:${fingerprint}`)) {
    throw new ArcEdgeError('PACKAGE_REVOKED', `package ${pkg.name} version ${pkg.version} is signed by a revoked key (sha256:${fingerprint.slice(0, 16)}…)`, {
      details: { package: pkg.name, version: pkg.version, key: `sha256:${fingerprint}` },
    });
  }
  if (revoked.has(`${pkg.name.toLowerCase()}@${pkg.version}`)) {
    throw new ArcEdgeError('PACKAGE_REVOKED', `package ${pkg.name} version ${pkg.version} is on the revocation list (deploy.revoked)`, { details: { package: pkg.name, version: pkg.version } });
  }
  const floor = Math.max(options.minVersion, readKeyFloors(options.dataDir)[fingerprint] ?? 0);
  if (pkg.version < floor) {
    throw new ArcEdgeError('PACKAGE_VERSION_OLDER', `package ${pkg.name} version ${pkg.version} is below ${floor}, the lowest version this device accepts from its signing key (sha256:${fingerprint.slice(0, 16)}…)`, {
      details: { package: pkg.name, version: pkg.version, floor, key: `sha256:${fingerprint}` },
    });
  }
}

/** After an apply committed: the key's floor rises to this version (never falls). */
export function raiseKeyFloor(dataDir: string, keyPem: string, version: number): void {
  const floors = readKeyFloors(dataDir);
  const fingerprint = keyFingerprint(keyPem);
  if ((floors[fingerprint] ?? 0) >= version) return;
  mkdirSync(join(dataDir, 'models'), { recursive: true });
  writeJsonAtomic(floorsFile(dataDir), { ...floors, [fingerprint]: version });
}
