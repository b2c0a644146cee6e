/**
 * verifyPackage: everything a device checks before it will even load a package, in the order
 * that gives the most useful error: structure, signature (over the exact manifest bytes),
 * manifest schema, SHA256SUMS agreement, then every file's size and sha256. Nothing is
 * trusted until the signature holds, and nothing outside manifest.files is accepted.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ArcEdgeError } from '../errors.ts';
import { sha256File, sha256Hex } from '../storage/sha256.ts';
import {
  formatSha256Sums,
  ModelPackageManifestSchema,
  PACKAGE_MANIFEST,
  PACKAGE_SIGNATURE,
  PACKAGE_SUMS,
  parseSha256Sums,
  type ModelPackageManifest,
} from './manifest.ts';

/** A package whose files, hashes and signature all checked out, and the key that signed it. */
export interface VerifiedPackage {
  readonly dir: string;
  readonly manifest: ModelPackageManifest;
  /** Index into `publicKeys` of the key that verified the signature. */
  readonly keyIndex: number;
}

/** PEM text or KeyObjects; an Ed25519 public key each. */
export type TrustedKeys = readonly (string | KeyObject)[];

function listFiles(dir: string, root = dir, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) listFiles(path, root, out);
    else out.push(relative(root, path).split('\\').join('/'));
  }
  return out;
}

/** The signature check alone: which trusted key (if any) signed these manifest bytes. */
export function signatureKeyIndex(manifestBytes: Uint8Array, signature: Uint8Array, publicKeys: TrustedKeys): number {
  return publicKeys.findIndex((key) => {
    const object = typeof key === 'string' ? createPublicKey(key) : key;
    // Ed25519 signs the message itself: the algorithm argument must be null.
    return verifySignature(null, manifestBytes, object, signature);
  });
}

/**
 * `skipSignature` is for a host that wants every other check (hashes, SHA256SUMS, schema) before
 * it sends a package but has no public key at hand; keyIndex is then -1. Devices never skip it.
 */
export async function verifyPackage(dir: string, publicKeys: TrustedKeys, options: { skipSignature?: boolean } = {}): Promise<VerifiedPackage> {
  const manifestPath = join(dir, PACKAGE_MANIFEST);
  if (!existsSync(manifestPath)) {
    throw new ArcEdgeError('PACKAGE_INVALID', `${dir} is not a model package: it has no ${PACKAGE_MANIFEST}`, { details: { dir } });
  }
  const signaturePath = join(dir, PACKAGE_SIGNATURE);
  if (!existsSync(signaturePath)) {
    throw new ArcEdgeError('PACKAGE_SIGNATURE_INVALID', `package ${dir} is unsigned (no ${PACKAGE_SIGNATURE}); unsigned packages are refused`, { details: { dir, reason: 'unsigned' } });
  }
  if (publicKeys.length === 0 && !options.skipSignature) {
    throw new ArcEdgeError('PACKAGE_SIGNATURE_INVALID', 'no trusted public keys are configured, so no package can be accepted', {
      fix: 'add the public.pem written by `arcedge keys generate` to the trusted keys',
      details: { reason: 'no-trusted-keys' },
    });
  }
  const manifestBytes = readFileSync(manifestPath);
  const signature = readFileSync(signaturePath);
  const keyIndex = options.skipSignature ? -1 : signatureKeyIndex(manifestBytes, signature, publicKeys);
  if (keyIndex < 0 && !options.skipSignature) {
    throw new ArcEdgeError('PACKAGE_SIGNATURE_INVALID', `the signature of ${manifestPath} is not valid under any of the ${publicKeys.length} trusted key(s)`, {
      fix: 'the package was signed by an unknown key or manifest.json was changed after signing: re-sign it with a trusted key',
      details: { dir, reason: 'unknown-key' },
    });
  }

  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch (cause) {
    throw new ArcEdgeError('PACKAGE_INVALID', `${manifestPath} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = ModelPackageManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ArcEdgeError('PACKAGE_INVALID', `${manifestPath} is not a valid package manifest:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  const manifest = parsed.data;

  const sumsPath = join(dir, PACKAGE_SUMS);
  if (!existsSync(sumsPath)) throw new ArcEdgeError('PACKAGE_INVALID', `package ${dir} has no ${PACKAGE_SUMS}`);
  const sums = readFileSync(sumsPath, 'utf8');
  if (sums !== formatSha256Sums(manifest.files) || sha256Hex(sums) !== manifest.sha256sums) {
    const listed = parseSha256Sums(sums);
    const differing = manifest.files.filter((f) => listed.get(f.path) !== f.sha256).map((f) => f.path);
    throw new ArcEdgeError('PACKAGE_TAMPERED', `${PACKAGE_SUMS} disagrees with ${PACKAGE_MANIFEST}${differing.length ? ` for ${differing.join(', ')}` : ' (extra or reordered lines)'}`, {
      details: { differing },
    });
  }

  const listed = new Set([PACKAGE_MANIFEST, PACKAGE_SUMS, PACKAGE_SIGNATURE, ...manifest.files.map((f) => f.path)]);
  const extra = listFiles(dir).filter((path) => !listed.has(path));
  if (extra.length > 0) {
    throw new ArcEdgeError('PACKAGE_TAMPERED', `package ${dir} holds files its manifest does not list: ${extra.join(', ')}`, { details: { extra } });
  }
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    if (!existsSync(path)) throw new ArcEdgeError('PACKAGE_INVALID', `package file ${file.path} is missing`, { details: { file: file.path } });
    const bytes = statSync(path).size;
    if (bytes !== file.bytes) {
      throw new ArcEdgeError('PACKAGE_TAMPERED', `package file ${file.path} has ${bytes} bytes; the manifest says ${file.bytes}`, { details: { file: file.path } });
    }
    const sha256 = await sha256File(path);
    if (sha256 !== file.sha256) {
      throw new ArcEdgeError('PACKAGE_TAMPERED', `package file ${file.path} has sha256 ${sha256}; the manifest says ${file.sha256}`, { details: { file: file.path } });
    }
  }
  for (const required of [manifest.model, `${manifest.model}.manifest.json`, ...manifest.selfTest.faces.map((f) => f.crop)]) {
    if (!manifest.files.some((f) => f.path === required)) throw new ArcEdgeError('PACKAGE_INVALID', `the manifest refers to ${required} but does not list it in files`);
  }
  return { dir, manifest, keyIndex };
}
