/**
 * Which files the CLI treats as photos, once: the extensions of every format the SDK decodes
 * (sdk/image: JPEG, PNG, GIF, WebP, BMP, PNM), and the recursive, sorted walk that finds them.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UsageError } from './command.ts';

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.gif', '.webp', '.bmp', '.pbm', '.pgm', '.ppm', '.pnm']);

export const isImage = (path: string): boolean => IMAGE_EXTENSIONS.has(extname(path).toLowerCase());

/** Every image under `path` (a file as given when it is an image, a folder recursively, sorted), appended to `out`. */
export function walkImages(path: string, out: string[] = []): string[] {
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path).sort()) walkImages(join(path, entry), out);
  else if (isImage(path)) out.push(path);
  return out;
}

/** Every image under the paths; a path that does not exist is a usage error. */
export function collectImages(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p} does not exist`);
    walkImages(p, out);
  }
  return out;
}
