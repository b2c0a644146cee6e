/**
 * Motion gating on a clip with long empty stretches (5 appearances of 1.5 s, 4 s of black after
 * each), with the agent as a child process and a real mosquitto, run twice: gating on (the
 * default) and off. The decisions (recall and names) must be equal; with gating on, the detector
 * runs on a fraction of the processed frames (reported from the metrics topic).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildClip } from '../../agent/demo/clip.ts';
import { repoRoot } from '../helpers/assets.ts';
import { AgentProcess, Subscriber, TEST_MODELS, waitFor, writeConfig } from './harness.ts';
import { startMosquitto } from './mosquitto.ts';
import { ENROLLED, enrollPayload, EXPECTED, SHOWN } from './fixtures.ts';

const dir = join(repoRoot, 'test', '.tmp', 'agent-motion');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

async function run(clip: string, motion: boolean): Promise<{ decisions: (string | null)[]; detected: number; processed: number; captured: number }> {
  const device = motion ? 'motion-on' : 'motion-off';
  const broker = await startMosquitto(join(dir, `broker-${device}`));
  cleanup.push(() => broker.kill());
  const sub = new Subscriber(broker.url, `arcedge/${device}/#`, `${device}-watcher`);
  cleanup.push(() => sub.end());
  await sub.ready();
  const config = (enabled: boolean) => ({
    device: { id: device },
    mqtt: { url: broker.url, reconnectMs: 500, keepaliveSec: 10 },
    models: TEST_MODELS(),
    gallery: join(dir, `${device}-gallery.db`),
    dataDir: join(dir, `${device}-data`),
    cameras: [{ id: 'door', source: `file://${clip}`, enabled, stallTimeoutSec: 20 }],
    motion: { enabled: motion },
    recognition: { cooldownSec: 0 },
    metrics: { intervalSec: 1 },
  });
  const path = writeConfig(join(dir, `${device}.json`), config(false));
  const agent = new AgentProcess(path);
  cleanup.push(() => agent.kill('SIGKILL'));
  await waitFor('device ready', () => sub.json(`arcedge/${device}/status`).find((s) => s.phase === 'ready'), 120_000);
  for (const [i, person] of ENROLLED.entries()) assert.equal((await sub.command(device, 'enroll', enrollPayload(person, `e-${i}`), `e-${i}`)).ok, true);
  writeConfig(path, config(true));
  assert.equal((await sub.command(device, 'reload', { id: 'reload' }, 'reload')).ok, true);
  await waitFor('end of the clip', () => sub.json(`arcedge/${device}/cameras/door/status`).find((s) => s.state === 'stopped'), 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.tail()}`);
  });
  await new Promise((r) => setTimeout(r, 1500)); // the last metrics window
  await agent.kill('SIGTERM');
  type CameraMetrics = { processedFrames?: number; detectedFrames?: number; captureFps: number };
  const windows = sub.json<{ cameras: Record<string, CameraMetrics>; windowMs: number }>(`arcedge/${device}/metrics`).map((m) => ({ c: m.cameras.door, windowMs: m.windowMs })).filter((m) => m.c);
  const decisions = sub
    .events(device)
    .filter((e) => e.type !== 'track_end')
    .sort((a, b) => Date.parse(a.ts as string) - Date.parse(b.ts as string))
    .map((e) => (e.identity as { id: string } | null)?.id ?? null);
  return {
    decisions,
    detected: windows.reduce((n, m) => n + (m.c!.detectedFrames ?? 0), 0),
    processed: windows.reduce((n, m) => n + (m.c!.processedFrames ?? 0), 0),
    captured: Math.round(windows.reduce((n, m) => n + (m.c!.captureFps * m.windowMs) / 1000, 0)),
  };
}

test('motion gating: same decisions with gating on and off, far fewer frames detected on empty stretches', { timeout: 360_000 }, async () => {
  const clip = await buildClip(SHOWN, join(dir, 'empty-stretches.mp4'), { showSec: 1.5, gapSec: 4 });
  const on = await run(clip.path, true);
  const off = await run(clip.path, false);
  console.log(`motion gating on: detected ${on.detected} of ${on.processed} processed (${on.captured} captured), ratio ${(on.detected / on.processed).toFixed(2)}; decisions ${JSON.stringify(on.decisions)}`);
  console.log(`motion gating off: detected ${off.detected} of ${off.processed} processed (${off.captured} captured); decisions ${JSON.stringify(off.decisions)}`);
  assert.deepEqual(off.decisions, EXPECTED, 'gating off: one right decision per appearance');
  assert.deepEqual(on.decisions, off.decisions, 'gating on: the same decisions (recall equal)');
  assert.ok(off.detected >= off.processed * 0.99, 'gating off detects every processed frame');
  // 7.5 s of faces in 27.5 s: with gating the detector runs on little more than the face frames.
  assert.ok(on.detected < on.processed * 0.5, `gating on detected ${on.detected} of ${on.processed}`);
});
