/**
 * `arcedge deploy --canary 1` and `arcedge devices` against three real agents on a real mosquitto,
 * through the CLI itself (tools/main.ts, in-process). A package the devices refuse (signed by a
 * key they do not trust; the host checks it with that key, so it leaves the host) stops the
 * rollout at the first device: the other two are never contacted, so nothing of it reaches
 * their incoming folders and their retained status shows no deploy. Then a good package: the
 * canary swaps, reports the new version and processes frames, and the other two get it too.
 * A good package whose canary then shows no processed frames (no camera) also stops the rollout.
 * Last, `arcedge gallery push` of a gallery built with another recognizer (mobilefacenet 128-d):
 * the device re-embeds it for its model and reports the new gallery.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Subscriber, waitFor } from '../agent/harness.ts';
import { startMosquitto, type Mosquitto } from '../agent/mosquitto.ts';
import { ENROLLED, testClip } from '../agent/fixtures.ts';
import { SCRFD_PADDLE128 } from '../analyzer/model-sets.ts';
import { cli, DEPLOY_TMP, packages, startAgent, type TestAgent } from './fixtures.ts';

const dir = join(DEPLOY_TMP, 'canary');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await Promise.resolve(f()).catch(() => {});
});
const IDS = ['canary-a', 'canary-b', 'canary-c'];
let broker: Mosquitto;
let agents: TestAgent[];
let sub: Subscriber;
let pkgs: Awaited<ReturnType<typeof packages>>;

const incoming = (a: TestAgent): string[] => (existsSync(join(a.dataDir, 'incoming')) ? readdirSync(join(a.dataDir, 'incoming')) : []);
const lastStatus = (id: string) => sub.json(`arcedge/${id}/status`).at(-1);

before(async () => {
  pkgs = await packages();
  broker = await startMosquitto(join(dir, 'broker'));
  cleanup.push(() => broker.kill());
  sub = new Subscriber(broker.url, 'arcedge/+/status', 'canary-watch');
  cleanup.push(() => sub.end());
  await sub.ready();
  const deploy = { trustedKeys: [join(pkgs.keys, 'public.pem')] };
  // The canary watches a looping clip (slowly: 2 fps) so its metrics can show processed frames.
  const clip = await testClip();
  const camera = { id: 'door', source: `file://${clip.path}`, loop: true, fps: 2, stallTimeoutSec: 20 };
  agents = IDS.map((id, i) => startAgent(dir, id, broker.url, { deploy, ...(i === 0 ? { cameras: [camera], metrics: { intervalSec: 2 } } : {}) }));
  for (const a of agents) cleanup.push(() => a.process.kill('SIGKILL'));
  for (const a of agents) {
    await waitFor(`${a.id} online`, () => lastStatus(a.id)?.state === 'online', 150_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${a.process.tail()}`);
    });
  }
});

test('arcedge devices lists every device from the retained status', { timeout: 60_000 }, async () => {
  const r = await cli(['devices', '--broker', broker.url, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const devices = (JSON.parse(r.stdout) as { devices: { device: string; state: string; agentVersion?: string }[] }).devices;
  assert.deepEqual(devices.map((d) => d.device).sort(), IDS);
  for (const d of devices) {
    assert.equal(d.state, 'online');
    assert.equal(d.agentVersion, lastStatus(d.device)!.version);
  }
  const table = await cli(['devices', '--broker', broker.url]);
  for (const id of IDS) assert.match(table.stdout, new RegExp(`^${id}\\s+online`, 'm'));
});

test('--canary 1 with a package the canary refuses: the rollout stops, the others are never touched', { timeout: 180_000 }, async () => {
  const logged = agents.map((a) => a.process.lines.length);
  const r = await cli([
    'deploy', pkgs.untrusted, '--pubkey', join(pkgs.untrusted, '..', 'other-keys', 'public.pem'),
    ...IDS.flatMap((id) => ['--device', id]), '--canary', '1', '--broker', broker.url, '--json', '--canary-wait', '20', '--timeout', '120',
  ]);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as { ok: boolean; devices: { device: string; result: string; canary: boolean; reason?: { code: string } }[] };
  assert.equal(out.ok, false);
  const [first, ...rest] = out.devices;
  assert.equal(first!.device, IDS[0]);
  assert.equal(first!.canary, true);
  assert.equal(first!.result, 'refused', JSON.stringify(first));
  assert.match(first!.reason!.code, /^PACKAGE_SIGNATURE_INVALID$|^PACKAGE_KEY_UNKNOWN$/, JSON.stringify(first));
  for (const o of rest) {
    assert.equal(o.result, 'skipped');
    assert.equal(o.reason!.code, 'CANARY_FAILED');
  }
  // The canary received the whole file (then refused it); the others got nothing at all.
  assert.ok(agents[0]!.process.lines.some((l) => l.msg === 'transfer complete'), 'the canary staged the transfer');
  for (const [i, a] of agents.entries()) {
    if (i === 0) continue;
    assert.deepEqual(incoming(a), [], `${a.id} was contacted`);
    assert.equal(lastStatus(a.id)!.deploy, undefined, `${a.id} reports a deploy`);
    const since = a.process.lines.slice(logged[i]);
    assert.ok(!since.some((l) => /transfer|apply|command/.test(l.msg)), `${a.id} logged: ${since.map((l) => l.msg).join(', ')}`);
  }
  // The same in the table a person reads: a row per device, the reason, then the fix.
  const text = await cli([
    'deploy', pkgs.untrusted, ...IDS.flatMap((id) => ['--device', id]), '--canary', '1', '--broker', broker.url, '--timeout', '120',
  ]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, new RegExp(`^${IDS[0]}\\s+refused\\s+yes\\s+[\\d.]+\\s+\\[PACKAGE_`, 'm'), text.stdout);
  for (const id of IDS.slice(1)) assert.match(text.stdout, new RegExp(`^${id}\\s+skipped\\s+0\\.0\\s+\\[CANARY_FAILED\\]`, 'm'), text.stdout);
  assert.match(text.stdout, /^Fix: /m);
  await waitFor('canary status shows the refusal', () => (lastStatus(IDS[0]!)?.deploy as { state?: string } | undefined)?.state === 'refused', 10_000);
});

test('--canary 1 with a good package: the canary swaps and keeps processing, then the others get it', { timeout: 240_000 }, async () => {
  const r = await cli([
    'deploy', pkgs.trusted, '--pubkey', join(pkgs.keys, 'public.pem'),
    // --all: online devices by id, so canary-a (the one with a camera) goes first.
    '--all', '--canary', '1', '--broker', broker.url, '--json', '--canary-wait', '60', '--timeout', '120',
  ]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${agents[0]!.process.tail()}`);
  const out = JSON.parse(r.stdout) as { ok: boolean; version: number; devices: { device: string; result: string; canary: boolean }[] };
  assert.deepEqual(out.devices.map((d) => [d.device, d.result, d.canary]), IDS.map((id, i) => [id, 'applied', i === 0]));
  const listed = await cli(['devices', '--broker', broker.url, '--json']);
  const devices = (JSON.parse(listed.stdout) as { devices: { device: string; model?: { version?: number }; deploy?: { state?: string } }[] }).devices;
  for (const id of IDS) {
    const d = devices.find((x) => x.device === id)!;
    assert.equal(d.model?.version, out.version, `${id} runs the new version`);
    assert.equal(d.deploy?.state, 'applied');
  }
});

test('--canary 1 whose canary applies but processes no frames: the rollout stops there', { timeout: 180_000 }, async () => {
  // canary-b has no camera: it applies v102, but no metrics can show processedFps > 0.
  const logged = agents.map((a) => a.process.lines.length);
  const r = await cli([
    'deploy', pkgs.newer, '--device', IDS[1]!, '--device', IDS[0]!, '--device', IDS[2]!,
    '--canary', '1', '--broker', broker.url, '--json', '--canary-wait', '10', '--timeout', '120',
  ]);
  assert.equal(r.code, 1, r.stdout);
  const out = JSON.parse(r.stdout) as { devices: { device: string; result: string; reason?: { code: string; message: string } }[] };
  assert.deepEqual(out.devices.map((d) => [d.device, d.result, d.reason?.code]), [
    [IDS[1], 'failed', 'CANARY_UNHEALTHY'],
    [IDS[0], 'skipped', 'CANARY_FAILED'],
    [IDS[2], 'skipped', 'CANARY_FAILED'],
  ]);
  assert.match(out.devices[0]!.reason!.message, /processedFps/);
  for (const i of [0, 2]) {
    const since = agents[i]!.process.lines.slice(logged[i]);
    assert.ok(!since.some((l) => /transfer|apply|command/.test(l.msg)), `${IDS[i]} logged: ${since.map((l) => l.msg).join(', ')}`);
    assert.equal((lastStatus(IDS[i]!)!.model as { version?: number }).version, 100, `${IDS[i]} still runs v100`);
  }
});

test('arcedge gallery push: a gallery built with another model is re-embedded and reported', { timeout: 180_000 }, async () => {
  const people = join(dir, 'people');
  for (const p of ENROLLED) {
    mkdirSync(join(people, p.id), { recursive: true });
    copyFileSync(p.enroll, join(people, p.id, 'enroll.jpg'));
  }
  const gallery = join(dir, 'pushed.db');
  const enrolled = await cli(['enroll', people, '--gallery', gallery, '--models', SCRFD_PADDLE128(), '--json']);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  const r = await cli(['gallery', 'push', gallery, '--device', IDS[1]!, '--broker', broker.url, '--json']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${agents[1]!.process.tail()}`);
  const out = JSON.parse(r.stdout) as { kind: string; devices: { device: string; result: string; applied?: { reembedded?: boolean; templates?: number } }[] };
  assert.equal(out.kind, 'gallery');
  assert.equal(out.devices[0]!.result, 'applied');
  assert.equal(out.devices[0]!.applied?.reembedded, true, JSON.stringify(out.devices[0]));
  const listed = await cli(['devices', '--broker', broker.url, '--json']);
  const device = (JSON.parse(listed.stdout) as { devices: { device: string; gallery?: { identities?: number } }[] }).devices.find((d) => d.device === IDS[1]);
  assert.equal(device?.gallery?.identities, ENROLLED.length);
});
