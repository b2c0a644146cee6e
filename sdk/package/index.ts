/** Model packages: the signed unit a host builds and a device verifies, self-tests and applies. */
export {
  ModelPackageManifestSchema,
  PACKAGE_FORMAT,
  PACKAGE_MANIFEST,
  PACKAGE_SIGNATURE,
  PACKAGE_SUMS,
  formatSha256Sums,
  parseSha256Sums,
} from './manifest.ts';
export type { ModelPackageManifest, PackageFile } from './manifest.ts';
export { verifyPackage, signatureKeyIndex } from './verify.ts';
export type { VerifiedPackage, TrustedKeys } from './verify.ts';
export { generateSigningKeys, signBytes } from './sign.ts';
export type { SigningKeys } from './sign.ts';
export { runPackageSelfTest } from './self-test.ts';
export type { SelfTestResult } from './self-test.ts';
export { createTar, extractTar } from '../storage/tar.ts';
export type { ExtractLimits, ExtractResult } from '../storage/tar.ts';
