/**
 * People following each other at the same spot, with the agent as a child process and a real
 * mosquitto, under the default tracking config (only the cooldown is 0, so a person's second
 * appearance is an event too):
 * 1. a 640x480 clip at 10 fps: 8 appearances of 1.5 s (enrolled people and strangers) with
 *    gaps of 0.1-0.6 s, all shorter than tracking.maxMissedMs (700 ms), so the IoU tracker
 *    continues the track across each gap. One decision per person, in order, with the right name.
 * 2. a folder:// camera of enrolled and unknown photos, looping, default holdSec: one right
 *    decision per photo per loop.
 * People are enrolled over MQTT (the enroll command) and the camera switched on with `reload`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildClip } from '../../agent/demo/clip.ts';
import { repoRoot } from '../helpers/assets.ts';
import { AgentProcess, Subscriber, TEST_MODELS, waitFor, writeConfig } from './harness.ts';
import { startMosquitto, type Mosquitto } from './mosquitto.ts';
import { ENROLLED, enrollPayload, STRANGERS } from './fixtures.ts';

const dir = join(repoRoot, 'test', '.tmp', 'agent-following');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

const [biden, obama, kit] = ENROLLED as [(typeof ENROLLED)[number], (typeof ENROLLED)[number], (typeof ENROLLED)[number]];
const [alex, rose] = STRANGERS as [string, string];

function config(device: string, broker: Mosquitto, source: string, enabled: boolean) {
  return {
    device: { id: device },
    mqtt: { url: broker.url, reconnectMs: 500, keepaliveSec: 10 },
    models: TEST_MODELS(),
    gallery: join(dir, `${device}-gallery.db`),
    dataDir: join(dir, `${device}-data`),
    cameras: [{ id: 'door', source, enabled, loop: source.startsWith('folder:'), stallTimeoutSec: 20 }],
    recognition: { cooldownSec: 0 },
    metrics: { intervalSec: 5 },
  };
}

/** Starts an agent with the camera off, enrolls the three people, switches the camera on. */
async function startEnrolled(device: string, source: string): Promise<{ agent: AgentProcess; sub: Subscriber }> {
  const broker = await startMosquitto(join(dir, `broker-${device}`));
  cleanup.push(() => broker.kill());
  const sub = new Subscriber(broker.url, `arcedge/${device}/#`, `${device}-watcher`);
  cleanup.push(() => sub.end());
  await sub.ready();
  const path = writeConfig(join(dir, `${device}.json`), config(device, broker, source, false));
  const agent = new AgentProcess(path);
  cleanup.push(() => agent.kill('SIGKILL'));
  await waitFor('device online', () => sub.json(`arcedge/${device}/status`).find((s) => s.state === 'online' && s.phase === 'ready'), 120_000);
  for (const [i, person] of ENROLLED.entries()) {
    const reply = await sub.command(device, 'enroll', enrollPayload(person, `enroll-${i}`), `enroll-${i}`);
    assert.equal(reply.ok, true, JSON.stringify(reply));
  }
  writeConfig(path, config(device, broker, source, true));
  const reload = await sub.command(device, 'reload', { id: 'reload-1' }, 'reload-1');
  assert.equal(reload.ok, true, JSON.stringify(reload));
  return { agent, sub };
}

const decisions = (events: Record<string, unknown>[]) =>
  events
    .filter((e) => e.type !== 'track_end')
    .sort((a, b) => Date.parse(a.ts as string) - Date.parse(b.ts as string))
    .map((e) => (e.identity as { id: string } | null)?.id ?? null);

test('people following each other at the same spot: one decision per person, right name', { timeout: 240_000 }, async () => {
  const shown = [biden.show, alex, obama.show, kit.show, rose, biden.show, obama.show, alex];
  const expected = [biden.id, null, obama.id, kit.id, null, biden.id, obama.id, null];
  const clip = await buildClip(shown, join(dir, 'following.mp4'), { showSec: 1.5, gapsSec: [0.1, 0.6, 0.3, 0.2, 0.5, 0.4, 0.1, 1.0] });
  const { agent, sub } = await startEnrolled('follow', `file://${clip.path}`);
  await waitFor('end of the clip', () => sub.json('arcedge/follow/cameras/door/status').find((s) => s.state === 'stopped'), 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.tail()}`);
  });
  await waitFor('events delivered', () => agent.events().every((l) => sub.events('follow').some((e) => e.id === l.id)), 30_000);
  await agent.kill('SIGTERM');
  const got = decisions(sub.events('follow'));
  console.log(`following: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  assert.deepEqual(got, expected, 'one decision per person, in order, with the right identity');
});

test('a folder:// camera: one right decision per photo per loop', { timeout: 240_000 }, async () => {
  const photos = join(dir, 'photos');
  mkdirSync(photos, { recursive: true });
  const shown = [biden.show, alex, obama.show, rose, kit.show];
  const expected = [biden.id, null, obama.id, null, kit.id];
  shown.forEach((p, i) => symlinkSync(p, join(photos, `${i}-${p.split('/').pop()!}`)));
  const { agent, sub } = await startEnrolled('folder', `folder://${photos}`);
  await waitFor('two loops of decisions', () => decisions(sub.events('folder')).length >= expected.length * 2, 150_000).catch((e: Error) => {
    throw new Error(`${e.message}: got ${JSON.stringify(decisions(sub.events('folder')))}\n${agent.tail()}`);
  });
  await agent.kill('SIGTERM');
  const got = decisions(sub.events('folder'));
  console.log(`folder: expected ${JSON.stringify(expected)} x2, got ${JSON.stringify(got)}`);
  assert.deepEqual(got.slice(0, expected.length * 2), [...expected, ...expected]);
});
