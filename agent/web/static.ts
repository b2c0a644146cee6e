/**
 * The pages' static files: GET / (index.html) and /assets/*, from webAssetsDir(). Public (they
 * hold no data: every face and event comes from the authenticated API). Paths cannot leave
 * the folder, only known file types are served, and a malformed URL is a 404 (never a 400 or a
 * log line anyone unauthenticated could fill the log with).
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { Context } from 'hono';
import type { WebEnv } from './server.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export async function serveStatic(c: Context<WebEnv>, root: string, relative: string): Promise<Response> {
  const base = resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return c.notFound(); // a malformed %-sequence names no file; not an error worth a log line
  }
  const full = resolve(base, `.${sep}${decoded}`);
  const type = TYPES[extname(full)];
  if (!full.startsWith(base + sep) || !type) return c.notFound();
  try {
    const bytes = await readFile(full);
    // no-cache: an agent update must reach a page that is already open; the files are small.
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
  } catch {
    return c.notFound();
  }
}
