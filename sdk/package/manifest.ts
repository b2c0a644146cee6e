/**
 * The model package: what `arcedge package` writes, `arcedge deploy` sends and the agent
 * applies. A directory (or a .tar of it) with:
 *
 *   manifest.json    this schema: name, version, files with size + sha256, self-test, provenance
 *   <model>.onnx     the model file(s), each with its <model>.onnx.manifest.json sidecar
 *   selftest/        golden aligned faces (PNG) and their expected embeddings (JSON)
 *   SHA256SUMS       the same hashes as manifest.files, in `sha256sum -c` format
 *   signature.sig    raw Ed25519 signature over the exact bytes of manifest.json
 *
 * Both sides speak it, so it lives in the SDK (ARCHITECTURE.md: wire formats in one place).
 * Anyone can check a package with standard tools (docs/packages.md):
 *   openssl pkeyutl -verify -pubin -inkey public.pem -rawin -in manifest.json -sigfile signature.sig
 *   sha256sum SHA256SUMS        (must equal manifest.json's "sha256sums")
 *   sha256sum -c SHA256SUMS
 */
import { z } from 'zod';
import { ArcEdgeError } from '../errors.ts';
import { RecommendedThresholdSchema } from '../models/manifest.ts';

export const PACKAGE_FORMAT = 'arcedge-model-package';
/** File name of a model package's manifest. */
export const PACKAGE_MANIFEST = 'manifest.json';
/** File name of a model package's sha256 list (sha256sum format). */
export const PACKAGE_SUMS = 'SHA256SUMS';
/** File name of a model package's Ed25519 signature of the manifest. */
export const PACKAGE_SIGNATURE = 'signature.sig';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256 (64 characters)');
/** Relative, forward-slash, no `..`, no leading slash: a package can never write outside itself. */
const RelativePath = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9._/-]+$/, 'a relative path inside the package (letters, digits, . _ - /; no ..)');

export const PackageFileSchema = z
  .object({
    path: RelativePath.describe('file path inside the package'),
    bytes: z.number().int().min(0).describe('exact size in bytes'),
    sha256: Sha256.describe('sha256 of the file, lowercase hex'),
  })
  .strict();

export const SelfTestSchema = z
  .object({
    faces: z
      .array(
        z
          .object({
            crop: RelativePath.describe('aligned face crop (PNG, cropSizePx square, BGR content as the SDK aligns it)'),
            embedding: z.array(z.number()).min(8).describe('the L2-normalised embedding the packaging host computed for this crop'),
          })
          .strict(),
      )
      .min(1)
      .describe('golden faces: the device must reproduce each embedding'),
    minCosine: z.number().min(0).max(1).describe('each device embedding must reach this cosine to the golden one (0.99 fp32; lower for fp16/int8)'),
  })
  .strict();

/**
 * The zod schema of a model package's manifest.json: name, version, model, files with sizes and
 * hashes, self-test.
 */
export const ModelPackageManifestSchema = z
  .object({
    format: z.literal(PACKAGE_FORMAT).describe('always "arcedge-model-package"'),
    formatVersion: z.literal(1).describe('layout version of this manifest'),
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -').describe('package name; a device only accepts newer versions of the same name'),
    version: z.number().int().positive().describe('monotonically increasing; a device refuses a version not above the one it runs (rollback is an explicit command)'),
    createdAt: z.string().describe('ISO 8601 time the package was built'),
    model: RelativePath.describe('the recognizer ONNX file (its sidecar manifest is <model>.manifest.json)'),
    embeddingSize: z.number().int().positive().describe('length of the embeddings the model produces'),
    precision: z.enum(['fp32', 'fp16', 'int8']).describe('numeric precision of the model weights'),
    recommendedThreshold: RecommendedThresholdSchema.optional().describe('the recognizer manifest\'s measured threshold (cosine at a FAR, usually 1e-3), when it has one'),
    files: z.array(PackageFileSchema).min(1).describe('every file of the package except manifest.json, SHA256SUMS and signature.sig'),
    sha256sums: Sha256.describe('sha256 of the SHA256SUMS file, so the signature covers it too (SHA256SUMS lists the same files and hashes as `files`)'),
    selfTest: SelfTestSchema.describe('golden self-test the device runs before switching to the model'),
    provenance: z.record(z.string(), z.unknown()).optional().describe('training run, eval results, quantization report: free-form, signed with the rest'),
  })
  .strict();

export type ModelPackageManifest = z.infer<typeof ModelPackageManifestSchema>;
export type PackageFile = z.infer<typeof PackageFileSchema>;

/** `sha256sum` text format: "<hash>  <path>" per line (two spaces: binary-agnostic text mode). */
export function formatSha256Sums(files: readonly PackageFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new ArcEdgeError('PACKAGE_INVALID', `${PACKAGE_SUMS} has a line that is not in sha256sum format: ${JSON.stringify(line.slice(0, 80))}`);
    out.set(match[2]!, match[1]!);
  }
  return out;
}
