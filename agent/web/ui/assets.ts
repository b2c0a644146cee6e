/**
 * Where the web pages' files are (web-ui owns this file; this is web-core's placeholder: a
 * single page that says the UI is not built, so the server and its tests work without it).
 */
import { fileURLToPath } from 'node:url';

export function webAssetsDir(): string {
  return fileURLToPath(new URL('./stub/', import.meta.url));
}
