/**
 * Checks of the second-round web UI tests, read off the page: both screen sizes with a
 * screenshot each and the phone's no-sideways-scroll rule, the live overlay's labels, and a
 * pixel comparison of two face images shown on the page.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { screenshot, type Page } from './browser.ts';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Screenshots `<name>-1280` and `<name>-390`; at 390 px the page must not scroll sideways. */
export async function bothSizes(page: Page, dir: string, name: string): Promise<void> {
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(400);
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  await screenshot(page, dir, `${name}-390`);
  assert.ok(widths.scroll <= widths.inner, `${name} at 390 px is ${widths.scroll} px wide: it scrolls sideways`);
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(300);
  await screenshot(page, dir, `${name}-1280`);
}

export interface OverlayFace {
  readonly state: string;
  readonly label: string;
  readonly stroke: string;
}

/** The faces drawn over the live frame: state, label text and box colour, from the SVG. */
export async function overlayFaces(page: Page): Promise<OverlayFace[]> {
  return page.$$eval('svg.faces g.face', (groups) =>
    groups.map((g) => ({
      state: g.getAttribute('data-state') ?? '',
      label: g.querySelector('text')?.textContent ?? '',
      stroke: getComputedStyle(g.querySelector('rect')!).stroke,
    })),
  );
}

/** Mean absolute difference (0..255) of two images on the page, both scaled to 48x48 grey. */
export async function imageDifference(page: Page, a: string, b: string): Promise<number> {
  // No named functions inside: tsx's keepNames would wrap them in a __name() the page lacks.
  return page.evaluate(
    async (sources) => {
      const greys: number[][] = [];
      for (const src of sources) {
        const img = /^(\/|data:|https?:)/.test(src) ? Object.assign(new Image(), { src }) : document.querySelector<HTMLImageElement>(src)!;
        if (!img.complete || img.naturalWidth === 0) await new Promise((r) => img.addEventListener('load', r, { once: true }));
        const canvas = Object.assign(document.createElement('canvas'), { width: 48, height: 48 });
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0, 48, 48);
        const px = ctx.getImageData(0, 0, 48, 48).data;
        const out: number[] = [];
        for (let i = 0; i < px.length; i += 4) out.push((px[i]! + px[i + 1]! + px[i + 2]!) / 3);
        greys.push(out);
      }
      let sum = 0;
      for (let i = 0; i < greys[0]!.length; i++) sum += Math.abs(greys[0]![i]! - greys[1]![i]!);
      return sum / greys[0]!.length;
    },
    [a, b],
  );
}

/** The src of an image on the page (to compare it later, after the page changed). */
export async function imageSrc(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (img) => (img as HTMLImageElement).src);
}

/**
 * A screenshot for the README (docs/web-*.png): the page as it is, with every face image blurred,
 * since the dev photos are third-party test data the repository must not carry.
 */
export async function blurredShot(page: Page, dir: string, name: string): Promise<void> {
  // Through the CSSOM: the page's Content-Security-Policy refuses an injected <style>.
  const blur = (on: boolean) => page.evaluate((v) => document.querySelectorAll('img').forEach((i) => (i.style.filter = v ? 'blur(7px)' : '')), on);
  await blur(true);
  await page.waitForTimeout(200);
  await screenshot(page, dir, name);
  await blur(false);
}
