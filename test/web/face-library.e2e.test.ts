/**
 * The face library in headless Chromium, against the real agent on a clip where two strangers
 * (Amy and Bernadette of the faceapi BBT photos, a different photo at each appearance) each
 * appear three times (3 s each) and nobody is enrolled: the library shows two groups of three. Naming one
 * enrolls its faces and names its three events; "Not a face" hides the other, and stops its
 * events: restarted, the agent plays the clip again and publishes Amy's three recognitions and
 * nothing for Bernadette, whose three dropped decisions the metrics count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildClip } from '../../agent/demo/clip.ts';
import { waitFor } from '../agent/harness.ts';
import { assetFace } from '../helpers/assets.ts';
import { BrowserAgent, browserScratch, openPage } from './browser-agent.ts';
import { blurredShot, bothSizes, DESKTOP } from './ui-checks.ts';

const scratch = browserScratch('web-library');
const { dir, shots } = scratch;

/**
 * The BBT photos are tight 150x150 crops: a face filling the whole frame is missed by SCRFD
 * (assets README), so each is padded to 3x its size with black first, as a camera would see it.
 */
function padded(folder: string, file: string): string {
  const out = join(dir, `padded-${file}`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', assetFace('faceapi_bbt', folder, file), '-vf', 'pad=iw*3:ih*3:iw:ih', out]);
  return out;
}
const amy = (i: number) => padded('amy', `amy${i}.png`);
const bern = (i: number) => padded('bernadette', `bernadette${i}.png`);

test('two strangers appearing three times each: two groups of three; name one, ignore the other', { timeout: 240_000 }, async () => {
  const clip = await buildClip([amy(1), bern(1), amy(2), bern(2), amy(3), bern(3)], join(dir, 'clip.mp4'), { width: 640, height: 480, showSec: 3, gapSec: 1 });
  const web = await BrowserAgent.start(scratch, {
    device: 'library',
    cameras: [{ id: 'hall', source: `file://${clip.path}` }],
    metrics: { intervalSec: 1 },
  });
  const { base, password } = web;
  let agent = web.agent;
  // The clip plays once: six appearances, six unknown decisions.
  await waitFor('six unknown events', () => agent.events().filter((e) => e.type === 'unknown').length >= 6 || undefined, 120_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify(agent.events().map((x) => x.type))}\n${agent.tail()}`);
  });
  assert.equal(agent.events().filter((e) => e.type === 'unknown').length, 6, 'one unknown event per appearance');

  const { page } = await openPage(scratch, DESKTOP);
  await page.goto(base);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Faces' }).click();
  await page.getByText(/^2 groups\.$/).waitFor({ timeout: 90_000 });
  const groups = page.locator('article.group');
  assert.deepEqual(await groups.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count')))), [3, 3]);
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('article.group img')].every((i) => i.complete && i.naturalWidth > 0));
  await bothSizes(page, shots, 'r2-face-library');
  await blurredShot(page, shots, 'readme-face-library');

  // Name the first group: its faces are enrolled, its three events carry the name.
  const first = page.getByRole('article', { name: 'Unknown person 1' });
  await first.getByLabel('Name for Unknown person 1').fill('Amy Farrah Fowler');
  await first.getByRole('button', { name: 'Name' }).click();
  await page.getByRole('status').filter({ hasText: /Named 3 sightings Amy Farrah Fowler; [1-3] faces? enrolled/ }).waitFor({ timeout: 60_000 });
  await page.getByText(/^1 group\.$/).waitFor({ timeout: 30_000 });
  const named = await page.evaluate(async () => ((await (await fetch('/api/events?limit=50')).json()) as { events: { name: string | null }[] }).events.filter((e) => e.name === 'Amy Farrah Fowler').length);
  assert.equal(named, 3);

  // "Not a face" on the other: the library is empty, and stays so after a reload.
  await page.getByRole('article', { name: 'Unknown person 1' }).getByRole('button', { name: 'Not a face' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Not a face' }).click();
  await page.getByText(/^0 groups, 1 ignored\.$/).waitFor({ timeout: 30_000 });
  await page.reload();
  await page.getByRole('link', { name: 'Faces' }).click();
  await page.getByText(/^0 groups, 1 ignored\.$/).waitFor({ timeout: 30_000 });

  // Its future events stop too: restarted, the agent plays the clip once more (file source).
  await agent.kill('SIGTERM');
  agent = await web.restart();
  const ignoredCount = () => {
    const metrics = agent.lines.filter((l) => l.msg === 'metrics').at(-1) as { cameras?: Record<string, { ignoredEvents?: number }> } | undefined;
    return metrics?.cameras?.hall?.ignoredEvents ?? 0;
  };
  await waitFor('three ignored decisions in the metrics', () => ignoredCount() >= 3 || undefined, 150_000).catch((e: Error) => {
    throw new Error(`${e.message}: ignoredEvents ${ignoredCount()}, events ${JSON.stringify(agent.events().map((x) => [x.type, (x as { identity?: { name?: string } | null }).identity?.name]))}\n${agent.tail()}`);
  });
  await waitFor('Amy recognised three times', () => agent.events().filter((e) => e.type === 'recognized').length >= 3 || undefined, 30_000);
  assert.equal(agent.events().filter((e) => e.type === 'unknown').length, 0, 'no unknown event: Bernadette was marked "Not a face"');
  assert.equal(ignoredCount(), 3, 'each of her three appearances was dropped and counted once');
  console.log(`# not a face: after the restart ${agent.events().filter((e) => e.type === 'recognized').length} recognized, 0 unknown published, ${ignoredCount()} dropped (metrics ignoredEvents)`);
});
