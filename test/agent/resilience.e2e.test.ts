/**
 * Resilience against a real mosquitto and a real RTSP server (GStreamer rtsp-server through
 * python3-gi), with the agent as a child process:
 * - the RTSP server is SIGKILLed and restarted: its camera goes offline, then online within
 *   10 s of the server's return, and the other camera never stops;
 * - 1,000 malformed commands (fuzzed JSON, wrong types, unknown keys and commands, huge
 *   strings, bad JPEGs) are each answered with a typed error, and the agent keeps running.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_ERROR_CODES } from '../../sdk/index.ts';
import { AGENT_ERROR_CODES } from '../../agent/errors.ts';
import { repoRoot } from '../helpers/assets.ts';
import { AgentProcess, Subscriber, TEST_MODELS, waitFor, writeConfig } from './harness.ts';
import { freePort, startMosquitto } from './mosquitto.ts';
import { testClip } from './fixtures.ts';
import { startRtspServer } from './rtsp-server.ts';

// A device answers with the SDK's codes and the agent's own.
const DEVICE_CODES = { ...SDK_ERROR_CODES, ...AGENT_ERROR_CODES };

const dir = join(repoRoot, 'test', '.tmp', 'agent-resilience');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const DEVICE = 'res';
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

const stop = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL'))));

/** xorshift32: the fuzz corpus is the same on every run. */
function prng(seed: number): () => number {
  let x = seed;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
}

function fuzzPayloads(count: number, maxBytes: number): { name: string; payload: Buffer; id: string | null }[] {
  const rand = prng(0x5eed);
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const junk = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const jpegHead = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
  const out: { name: string; payload: Buffer; id: string | null }[] = [];
  for (let i = 0; i < count; i++) {
    const id = `fz-${i}`;
    const kind = i % 10;
    const json = (v: unknown, name = pick(['enroll', 'forget', 'snapshot', 'list', 'status', 'reload'])) => out.push({ name, payload: Buffer.from(JSON.stringify(v)), id });
    switch (kind) {
      case 0: // not JSON at all
        out.push({ name: pick(['enroll', 'list', 'status']), payload: junk(1 + Math.floor(rand() * 200)), id: null });
        break;
      case 1: // truncated JSON
        out.push({ name: 'enroll', payload: Buffer.from(`{"id":"${id}","name":"x`), id: null });
        break;
      case 2: // wrong types
        json({ id, name: 42, image: false }, 'enroll');
        break;
      case 3: // unknown keys
        json({ id, bogus: true, camera: 'door' }, pick(['list', 'status', 'snapshot']));
        break;
      case 4: // a huge string, over the size limit: refused before decoding
        out.push({ name: 'enroll', payload: Buffer.from(JSON.stringify({ id, name: 'x', image: 'A'.repeat(maxBytes + 10) })), id: null });
        break;
      case 5: // bad JPEG: a JPEG header then garbage
        json({ id, name: 'Mallory', image: Buffer.concat([jpegHead, junk(300)]).toString('base64') }, 'enroll');
        break;
      case 6: // not base64
        json({ id, name: 'Mallory', image: '!!not*base64!!' }, 'enroll');
        break;
      case 7: // unknown camera / person
        json({ id, camera: `nope${i}` }, 'snapshot');
        break;
      case 8: // unknown command name
        json({ id }, `nosuch${i % 7}`);
        break;
      case 9: // arrays, nulls, nested garbage
        json(pick([[1, 2, 3], null, { id: { nested: id } }, 'string', 12.5, { id, personId: '../../etc' }]), pick(['forget', 'enroll', 'list']));
        if (out.at(-1)!.payload.includes(`"${id}"`) && out.at(-1)!.payload.includes('personId')) break;
        out.at(-1)!.id = null;
        break;
    }
  }
  return out;
}

test('an RTSP camera recovers within 10 s of its server; the other camera never stops; 1,000 malformed commands each get an error', { timeout: 240_000 }, async () => {
  const clip = await testClip();
  const broker = await startMosquitto(join(dir, 'broker'));
  cleanup.push(() => broker.kill());
  const rtspPort = await freePort();
  let rtsp = await startRtspServer(rtspPort);
  cleanup.push(() => stop(rtsp));
  // Not arcedge/res/#: the watcher would also receive the 1,000 commands it sends.
  const sub = new Subscriber(broker.url, [...['status', 'cameras/+/status', 'cameras/+/faces', 'metrics', 'events/recognition', 'reply/+'].map((t) => `arcedge/${DEVICE}/${t}`), 'homeassistant/#'], 'res-watcher');
  cleanup.push(() => sub.end());
  await sub.ready();
  const maxPayloadBytes = 64 * 1024;
  const path = writeConfig(join(dir, 'agent.json'), {
    device: { id: DEVICE },
    mqtt: { url: broker.url, reconnectMs: 500 },
    models: TEST_MODELS(),
    inference: { backend: { threads: 1 } },
    gallery: join(dir, 'gallery.db'),
    dataDir: join(dir, 'data'),
    cameras: [
      { id: 'street', source: `rtsp://127.0.0.1:${rtspPort}/cam`, width: 320, height: 240, stallTimeoutSec: 2 },
      { id: 'door', source: `file://${clip.path}`, loop: true, stallTimeoutSec: 10 },
    ],
    commands: { maxPayloadBytes },
    metrics: { intervalSec: 1 },
    homeAssistant: { discovery: true },
  });
  const agent = new AgentProcess(path);
  cleanup.push(() => agent.kill('SIGKILL'));
  const statusOf = (camera: string) => sub.json<{ state: string; ts: string }>(`arcedge/${DEVICE}/cameras/${camera}/status`);
  await waitFor('both cameras online', () => statusOf('street').some((s) => s.state === 'online') && statusOf('door').some((s) => s.state === 'online'), 120_000);
  type CameraMetrics = { captureFps: number; processedFps: number };
  const metrics = () => sub.json<{ ts: string; windowMs: number; cameras: Record<string, CameraMetrics> }>(`arcedge/${DEVICE}/metrics`);
  // The first inference of a fresh session is slow (allocation); start once frames flow through.
  await waitFor('door frames processed', () => metrics().some((m) => m.cameras.door!.processedFps > 0), 60_000);

  // RTSP server down for 3 s.
  await stop(rtsp);
  const killedAt = Date.now();
  await waitFor('street offline', () => statusOf('street').some((s) => s.state === 'offline' && Date.parse(s.ts) >= killedAt - 100), 15_000);
  await new Promise((r) => setTimeout(r, 3000));
  rtsp = await startRtspServer(rtspPort);
  const backAt = Date.now();
  const online = await waitFor('street online again', () => sub.on(`arcedge/${DEVICE}/cameras/street/status`).find((m) => m.at >= backAt && JSON.parse(m.payload).state === 'online'), 20_000);
  const recoverMs = online.at - backAt;
  assert.ok(recoverMs <= 10_000, `online ${recoverMs} ms after the server returned`);
  const doorStates = statusOf('door').map((s) => s.state);
  assert.deepEqual([...new Set(doorStates.slice(doorStates.indexOf('online')))], ['online'], `door: ${doorStates.join(' ')}`);
  // The door camera kept capturing in every metrics window of the outage, and kept being processed.
  const duringOutage = metrics().filter((m) => Date.parse(m.ts) > killedAt && Date.parse(m.ts) <= backAt);
  assert.ok(duringOutage.length >= 2, `metrics during the outage: ${duringOutage.length}`);
  const doorDuring = duringOutage.map((m) => m.cameras.door!);
  assert.ok(doorDuring.every((c) => c.captureFps > 0), `${JSON.stringify(doorDuring)}\n${agent.tail(40)}`);
  const processedDuring = duringOutage.reduce((n, m) => n + (m.cameras.door!.processedFps * m.windowMs) / 1000, 0);
  assert.ok(processedDuring >= 2, `door frames processed during the outage: ${processedDuring.toFixed(1)}`);
  console.log(`# street camera back online ${recoverMs} ms after the RTSP server returned`);

  // 1,000 malformed commands.
  const corpus = fuzzPayloads(1000, maxPayloadBytes);
  const sentAt = Date.now();
  for (const c of corpus) sub.client.publish(`arcedge/${DEVICE}/cmd/${c.name}`, c.payload, { qos: 1 });
  const replies = () => sub.messages.filter((m) => m.topic.startsWith(`arcedge/${DEVICE}/reply/fz-`) || m.topic === `arcedge/${DEVICE}/reply/invalid`);
  await waitFor('1,000 replies', () => replies().length >= corpus.length, 90_000).catch((e: Error) => {
    const got = new Set(replies().map((r) => r.topic));
    const missing = corpus.filter((c) => c.id && !got.has(`arcedge/${DEVICE}/reply/${c.id}`)).slice(0, 10).map((c) => `${c.name} ${c.payload.subarray(0, 120).toString()}`);
    throw new Error(`${e.message}: ${replies().length} replies; missing e.g.\n${missing.join('\n')}\nagent log:\n${agent.tail(15)}`);
  });
  const byTopic = new Map<string, number>();
  for (const r of replies()) {
    const reply = JSON.parse(r.payload) as { ok: boolean; error?: { code: string; fix: string } };
    assert.equal(reply.ok, false, r.payload.slice(0, 200));
    assert.ok(reply.error!.code in DEVICE_CODES && reply.error!.fix.length > 0, r.payload.slice(0, 200));
    byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
  }
  for (const c of corpus.filter((c) => c.id)) assert.equal(byTopic.get(`arcedge/${DEVICE}/reply/${c.id}`), 1, `one reply for ${c.id}`);
  assert.equal(byTopic.get(`arcedge/${DEVICE}/reply/invalid`), corpus.filter((c) => !c.id).length);
  const codes = new Set(replies().map((r) => (JSON.parse(r.payload) as { error: { code: string } }).error.code));
  for (const code of ['COMMAND_INVALID', 'PAYLOAD_TOO_LARGE', 'COMMAND_UNKNOWN', 'CAMERA_UNKNOWN']) assert.ok(codes.has(code), `${code} among ${[...codes].join(', ')}`);
  assert.ok([...codes].some((c) => c.startsWith('IMAGE_')), `a bad JPEG gives an IMAGE_* code: ${[...codes].join(', ')}`);
  console.log(`# 1000 malformed commands answered in ${Date.now() - sentAt} ms; codes: ${[...codes].join(', ')}`);

  const status = await sub.command(DEVICE, 'status', { id: 'alive' }, 'alive');
  assert.equal(status.ok, true);
  assert.equal(agent.child.exitCode, null, 'the agent is still running');
  const snapshot = await sub.command(DEVICE, 'snapshot', { id: 'snap', camera: 'street' }, 'snap');
  assert.equal(snapshot.ok, true, JSON.stringify(snapshot).slice(0, 300));
  assert.equal(Buffer.from((snapshot.result as { jpeg: string }).jpeg, 'base64').subarray(0, 2).toString('hex'), 'ffd8');
  // Home Assistant discovery: three sensors per camera, and the face count state they read.
  const discovery = sub.messages.filter((m) => m.topic.startsWith('homeassistant/sensor/'));
  assert.equal(new Set(discovery.map((m) => m.topic)).size, 6, discovery.map((m) => m.topic).join(' '));
  const facesSensor = discovery.map((m) => JSON.parse(m.payload) as { state_topic: string }).find((c) => c.state_topic.endsWith('/door/faces'))!;
  assert.ok(sub.on(facesSensor.state_topic).length > 0 && sub.on(facesSensor.state_topic).every((m) => /^\d+$/.test(m.payload)));
  await agent.kill('SIGTERM');
  assert.equal(await agent.exited, 0);
});
