/**
 * Fetches an npm package tarball through the registry the user's npm uses: GET
 * <registry>/<name>/<version> gives `dist.tarball` and `dist.integrity` (sha512 SRI), the
 * tarball is checked against it before anything inside is trusted.
 */
import { download, downloadJson } from './download.ts';
import type { DownloadOptions } from './download.ts';
import { checkIntegrity } from './integrity.ts';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

/** npm sets npm_config_registry for scripts it runs; users set either spelling in their shell. */
export function npmRegistry(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.npm_config_registry || env.NPM_CONFIG_REGISTRY || DEFAULT_NPM_REGISTRY;
  return value.endsWith('/') ? value : `${value}/`;
}

/** Scoped names keep their "@" but the "/" is escaped, as the registry API expects. */
export function packageMetadataUrl(registry: string, name: string, version: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return `${base}${name.replace('/', '%2f')}/${encodeURIComponent(version)}`;
}

/** The conventional tarball URL, for error messages (the registry's own answer wins when reachable). */
export function conventionalTarballUrl(registry: string, name: string, version: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  const bare = name.startsWith('@') ? name.split('/')[1]! : name;
  return `${base}${name}/-/${bare}-${version}.tgz`;
}

export async function fetchNpmTarball(
  name: string,
  version: string,
  options: DownloadOptions & { readonly registry?: string } = {},
): Promise<Buffer> {
  const registry = options.registry ?? npmRegistry();
  const metaUrl = packageMetadataUrl(registry, name, version);
  const meta = (await downloadJson(metaUrl, options)) as { dist?: { tarball?: unknown; integrity?: unknown } };
  const tarballUrl = meta.dist?.tarball;
  if (typeof tarballUrl !== 'string') throw new Error(`${metaUrl} has no dist.tarball`);
  const tarball = await download(tarballUrl, options);
  const integrity = meta.dist?.integrity;
  if (typeof integrity === 'string') {
    const check = checkIntegrity(tarball, integrity);
    if (!check.ok) throw new Error(`${tarballUrl} failed its registry integrity check: expected ${check.expected}, got ${check.actual}`);
  }
  return tarball;
}
