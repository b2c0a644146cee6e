/**
 * The golden self-test: the device embeds the package's reference crops with the model it is
 * about to switch to, and every embedding must reach the packaged cosine. It catches what hashes
 * cannot: a wrong manifest (colour order, normalisation), a broken runtime or TensorRT engine,
 * an INT8 model that fell apart on this device.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compare } from '../embed/index.ts';
import { decodeImage } from '../image/index.ts';
import type { Frame } from '../image/frame.ts';
import type { ModelPackageManifest } from './manifest.ts';

/** How a package's golden faces embedded here compare with the embeddings it ships. */
export interface SelfTestResult {
  readonly passed: boolean;
  readonly minCosine: number;
  readonly required: number;
  readonly cosines: number[];
}

/**
 * Embeds a package's golden faces with its model and compares them with the embeddings it was built
 * with.
 */
export async function runPackageSelfTest(
  dir: string,
  manifest: ModelPackageManifest,
  embed: (crops: readonly Frame[]) => Promise<Float32Array[]>,
): Promise<SelfTestResult> {
  const crops = manifest.selfTest.faces.map((face) => decodeImage(readFileSync(join(dir, face.crop)), face.crop));
  const embeddings = await embed(crops);
  const cosines = manifest.selfTest.faces.map((face, i) => {
    const expected = Float32Array.from(face.embedding);
    const actual = embeddings[i]!;
    return actual.length === expected.length ? compare(actual, expected) : -1;
  });
  const minCosine = Math.min(...cosines);
  return { passed: minCosine >= manifest.selfTest.minCosine, minCosine, required: manifest.selfTest.minCosine, cosines };
}
