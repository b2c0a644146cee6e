/**
 * Model sets for the analyzer tests and the bench, built the way a user would:
 * - asset pairs (det_500m + a recognizer from ../shared/assets/models) as `local:<dir>` sets:
 *   a folder of symlinks under test/.tmp, identified by sha256 through the registry;
 * - the registry's `default` set through resolveModelSet, searching the assets folder and
 *   $ARCEDGE_MODEL_PATH first (the resolver downloads what is missing into the cache).
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModelSet } from '../../sdk/models/index.ts';
import type { ResolvedModelList } from '../../sdk/analyzer/index.ts';
import { assetModel, repoRoot } from '../helpers/assets.ts';

export function localAssetSet(name: string, files: readonly string[]): string {
  // Per process: `npm test` runs two files at a time, and two rebuilding one folder race.
  const dir = join(repoRoot, 'test', '.tmp', 'sets', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of files) symlinkSync(assetModel(file), join(dir, file));
  return `local:${dir}`;
}

export const SCRFD_FR512 = (): string => localAssetSet('det500m-fr512', ['det_500m.onnx', 'fr_feature_512.onnx']);
export const SCRFD_PADDLE128 = (): string => localAssetSet('det500m-paddle128', ['det_500m.onnx', 'mobilefacenet_paddle_128.onnx']);

export async function defaultSet(): Promise<ResolvedModelList> {
  const searchPath = [join(assetModel('x'), '..'), ...(process.env.ARCEDGE_MODEL_PATH ?? '').split(':').filter(Boolean)];
  return resolveModelSet('default', { searchPath });
}
