/**
 * Steps and checks of the browser test, read off the page itself: event rows, people cards,
 * the agent's count of live viewers.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from './browser.ts';

export interface UiEventRow {
  readonly id: string;
  readonly ts: string;
  readonly name: string;
  /** The row has a snapshot <img> (an identity decided as the track ended has no frame to keep). */
  readonly hasSnapshot: boolean;
  /** naturalWidth x naturalHeight of the row's snapshot once loaded; 0 before. */
  readonly snapshotPx: number;
}

/** The hash format the agent reads (docs/web.md): scrypt$N$r$p$salt$key, computed here with node:crypto. */
export function scryptHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, 32, { N: 16384, r: 8, p: 1 });
  return ['scrypt', 16384, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
}

export function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

export async function eventRows(page: Page): Promise<UiEventRow[]> {
  return page.$$eval('table.events tbody tr[data-event-id]', (rows) =>
    rows.map((r) => {
      const img = r.querySelector('img');
      return {
        id: r.getAttribute('data-event-id') ?? '',
        ts: r.querySelector('time')?.getAttribute('datetime') ?? '',
        name: r.querySelector('td.name')?.textContent ?? '',
        hasSnapshot: !!img,
        snapshotPx: img && img.complete ? img.naturalWidth * img.naturalHeight : 0,
      };
    }),
  );
}

/** Refreshes the Events page until `pick` finds a row (snapshots lazy-load, so rows are scrolled into view). */
export async function waitForRow(page: Page, what: string, pick: (rows: UiEventRow[]) => UiEventRow | undefined, timeoutMs: number): Promise<UiEventRow> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(1000);
    const row = pick(await eventRows(page));
    if (row) {
      await page.locator(`tr[data-event-id="${row.id}"]`).scrollIntoViewIfNeeded();
      await page.waitForFunction((id) => {
        const img = document.querySelector<HTMLImageElement>(`tr[data-event-id="${id}"] img`);
        return !!img && img.complete && img.naturalWidth > 0;
      }, row.id, { timeout: 10_000 });
      return (await eventRows(page)).find((r) => r.id === row.id)!;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; rows: ${JSON.stringify((await eventRows(page)).slice(0, 8))}`);
  }
}

export async function addPersonByUpload(page: Page, name: string, photo: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Add a person' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Photo').setInputFiles(photo);
  await form.getByRole('button', { name: 'Add person' }).click();
  const card = page.getByRole('article', { name });
  await card.waitFor({ timeout: 60_000 });
  await page.waitForFunction((n) => [...document.querySelectorAll<HTMLImageElement>(`article[aria-label="${n}"] img.crop`)].some((i) => i.complete && i.naturalWidth > 0), name, { timeout: 15_000 });
}

/** Open live streams, as the agent counts them (GET /api/status through the page's session). */
export async function liveViewers(page: Page): Promise<number> {
  return page.evaluate(async () => ((await (await fetch('/api/status')).json()) as { live: { viewers: number } }).live.viewers);
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status === 401 || r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
