/**
 * Steps and checks of the browser test, read off the page itself: event rows, people cards,
 * the live image's pixels, the agent's count of live viewers.
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

/**
 * Pixels whose channels spread by >= 150 (pure-ish green/red/blue): annotation boxes are drawn
 * that way, skin, hair and grey backgrounds are not. `order` is the raw buffer's channel order.
 */
export function saturatedPixels(raw: Uint8Array, order: 'bgr' | 'rgba'): number {
  const step = order === 'bgr' ? 3 : 4;
  let count = 0;
  for (let i = 0; i + 2 < raw.length; i += step) {
    const a = raw[i]!, b = raw[i + 1]!, c = raw[i + 2]!;
    if (Math.max(a, b, c) - Math.min(a, b, c) >= 150) count++;
  }
  return count;
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

/** Polls the live <img>: loaded, its size, and its saturated pixel count above the raw photos'. */
export async function waitForLiveBox(page: Page, rawSaturated: number, timeoutMs: number): Promise<{ width: number; height: number; saturated: number; litShare: number }> {
  const until = Date.now() + timeoutMs;
  let last = { width: 0, height: 0, saturated: 0, litShare: 0 };
  for (;;) {
    last = await page.evaluate(() => {
      const img = document.querySelector<HTMLImageElement>('img.live-frame');
      if (!img || !img.complete || img.naturalWidth === 0) return { width: 0, height: 0, saturated: 0, litShare: 0 };
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let saturated = 0;
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) {
        const r = px[i]!, g = px[i + 1]!, b = px[i + 2]!;
        if (Math.max(r, g, b) - Math.min(r, g, b) >= 150) saturated++;
        if (r + g + b > 120) lit++;
      }
      return { width: img.naturalWidth, height: img.naturalHeight, saturated, litShare: lit / (px.length / 4) };
    });
    // A photo on screen (not the black gap between appearances) and a box drawn on it.
    if (last.width > 0 && last.litShare > 0.2 && last.saturated > rawSaturated + 200) return last;
    if (Date.now() > until) throw new Error(`no live frame with a box in ${timeoutMs} ms: last ${JSON.stringify(last)}, raw photos up to ${rawSaturated} saturated pixels`);
    await page.waitForTimeout(250);
  }
}
