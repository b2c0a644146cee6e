/**
 * Headless Debian chromium (scripts/setup.sh installs it) for report render checks: a fresh
 * profile each time, no sandbox (CI containers run as root), and every background service
 * that would reach the network switched off.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

function run(args: string[], page: string): string {
  const profile = mkdtempSync(join(tmpdir(), 'arcedge-chromium-'));
  try {
    return execFileSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
        pathToFileURL(page).href,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The DOM after the page loaded and rendered. */
export const dumpDom = (page: string): string => run(['--dump-dom'], page);

/** A PNG screenshot of the page's first `height` pixels. */
export function screenshot(page: string, png: string, width = 1280, height = 2000): void {
  run([`--screenshot=${png}`, `--window-size=${width},${height}`, '--hide-scrollbars'], page);
}
