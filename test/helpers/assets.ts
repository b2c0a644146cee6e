/**
 * Locates ../shared/assets (real models and photos kept beside the repo, never inside it).
 * ARCEDGE_ASSETS overrides the location. Tests that need assets call `requireAssets()`,
 * which fails loudly (it does not skip) so a missing checkout never passes silently.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function assetsDir(): string | undefined {
  const candidates = [process.env.ARCEDGE_ASSETS, join(repoRoot, '..', 'shared', 'assets'), join(repoRoot, 'shared', 'assets')];
  return candidates.find((dir): dir is string => dir !== undefined && existsSync(join(dir, 'models')));
}

export function requireAssets(): string {
  const dir = assetsDir();
  if (!dir) {
    throw new Error(
      `test assets not found next to ${repoRoot} (looked for ../shared/assets); set ARCEDGE_ASSETS=/path/to/shared/assets`,
    );
  }
  return dir;
}

export const assetModel = (file: string): string => join(requireAssets(), 'models', file);
export const assetFace = (...parts: string[]): string => join(requireAssets(), 'faces', ...parts);
export { repoRoot };
