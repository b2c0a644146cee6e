/**
 * The agent on its embedded broker (the default), as anyone on its network meets it
 * (docs/security.md). A child-process agent with broker users configured:
 * - anonymous clients and wrong passwords are refused; a device account cannot command another
 *   device (nor itself); the operator can;
 * - a 100 MB publish is cut at its MQTT header, before the payload is buffered: the agent's RSS
 *   stays within 40 MB of where it was (1819da4: +344 MB);
 * - a retained command is not stored, so it cannot replay on the next subscription;
 * - 1,000 hostile messages over every command topic and the transfer protocol (malformed JSON,
 *   oversized payloads, chunks before begin, out of range, replayed, commits of half transfers,
 *   conflicting begins, a tar with a negative pax size): the agent stays up, RSS bounded, and
 *   every message carrying a request id gets exactly one reply with a typed error or result.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { SDK_ERROR_CODES } from '../../sdk/index.ts';
import { AGENT_ERROR_CODES } from '../../agent/errors.ts';
import { repoRoot } from '../helpers/assets.ts';
import { BLOCK, paxHeader, ustarHeader as header } from '../helpers/tar-bytes.ts';
import { AgentProcess, TEST_MODELS, waitFor, writeConfig } from './harness.ts';

// A device answers with the SDK's codes and the agent's own.
const DEVICE_CODES = { ...SDK_ERROR_CODES, ...AGENT_ERROR_CODES };

const dir = join(repoRoot, 'test', '.tmp', 'agent-hostile-mqtt');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const DEVICE = 'hostile';
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function connect(url: string, options: { username?: string; password?: string } = {}): Promise<MqttClient | Error> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, clientId: `t-${Math.random().toString(36).slice(2, 10)}`, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => (client.end(true), resolve(error)));
    client.once('close', () => resolve(new Error('closed')));
  });
}

function du(path: string): number {
  let sum = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) sum += e.isDirectory() ? du(join(path, e.name)) : statSync(join(path, e.name)).size;
  return sum;
}

/** The negative-pax layout of test/deploy/tar.e2e.test.ts, as a buffer (finding 1 over MQTT). */
function negativePaxTar(): Buffer {
  const B = BLOCK;
  const N = 20;
  const d = 200;
  const jumpAt = (k: number) => N + d + 3 * (k - 1);
  const parts: Buffer[] = [];
  for (let k = 1; k <= N; k++) parts.push(header(`f${k}`, (jumpAt(k) - k) * B, '0'));
  parts.push(Buffer.alloc(d * B, 0x61));
  for (let k = 1; k < N; k++) {
    parts.push(paxHeader([['size', `-${(jumpAt(k) + 3 - (k + 1)) * B}`]]), header(`j${k}`, 0, '0'));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

test('the embedded broker authenticates, applies the per-device ACL, cuts oversized packets, keeps no retained commands; 1,000 hostile messages', { timeout: 300_000 }, async () => {
  const secrets = join(dir, 'secrets');
  mkdirSync(secrets, { mode: 0o700 });
  writeFileSync(join(secrets, 'users'), 'operator arcedge-host:host-secret\ndevice other-device:other-secret\n', { mode: 0o600 });
  const maxPayloadBytes = 1024 * 1024;
  const dataDir = join(dir, 'data');
  const config = writeConfig(join(dir, 'agent.json'), {
    device: { id: DEVICE },
    mqtt: { reconnectMs: 300, keepaliveSec: 10, embedded: { host: '127.0.0.1', port: 0, usersFile: join(secrets, 'users') } },
    models: TEST_MODELS(),
    inference: { backend: { threads: 1 } },
    gallery: join(dir, 'gallery.db'),
    dataDir,
    commands: { maxPayloadBytes },
    transfers: { maxBytes: 4 * 1024 * 1024 },
    cameras: [{ id: 'door', source: 'folder:///nonexistent', enabled: false }],
  });
  const agent = new AgentProcess(config);
  cleanup.push(() => agent.kill('SIGKILL'));
  const listening = await waitFor('embedded broker', () => agent.lines.find((l) => l.msg === 'embedded MQTT broker listening'), 60_000).catch((e: Error) => assert.fail(`${e.message}\n${agent.tail()}`));
  const url = listening.url as string;
  await waitFor('agent on its broker', () => agent.lines.some((l) => l.msg === 'mqtt connected') || (agent.child.exitCode !== null && assert.fail('agent exited')), 120_000).catch((e: Error) => assert.fail(`${e.message}\n${agent.tail()}`));

  // Authentication.
  assert.ok((await connect(url)) instanceof Error, 'anonymous refused');
  assert.ok((await connect(url, { username: 'arcedge-host', password: 'wrong' })) instanceof Error, 'wrong password refused');
  const op = await connect(url, { username: 'arcedge-host', password: 'host-secret' });
  assert.ok(!(op instanceof Error), String(op));
  cleanup.push(() => new Promise((r) => op.end(true, {}, () => r())));
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  op.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  await op.subscribeAsync(`arcedge/${DEVICE}/reply/+`, { qos: 1 });
  const reply = (id: string) => waitFor(`reply ${id}`, () => messages.find((m) => m.topic === `arcedge/${DEVICE}/reply/${id}`), 30_000).then((m) => JSON.parse(m.payload) as { ok: boolean; error?: { code: string } });
  op.publish(`arcedge/${DEVICE}/cmd/status`, JSON.stringify({ id: 'op-status' }), { qos: 1 });
  assert.equal((await reply('op-status')).ok, true, 'the operator commands the device');

  // ACL: a device account may not command this device, nor read its commands.
  const other = await connect(url, { username: 'other-device', password: 'other-secret' });
  assert.ok(!(other instanceof Error), String(other));
  cleanup.push(() => new Promise((r) => other.end(true, {}, () => r())));
  const granted = await new Promise<{ error: Error | null; qos: number | undefined }>((resolve) =>
    other.subscribe(`arcedge/${DEVICE}/cmd/#`, { qos: 1 }, (error, g) => resolve({ error: error ?? null, qos: g?.[0]?.qos })),
  );
  assert.ok(granted.error !== null || granted.qos === 128, `subscription to another device refused: ${JSON.stringify(granted)}`);
  other.publish(`arcedge/${DEVICE}/cmd/status`, JSON.stringify({ id: 'from-other' }), { qos: 0 });
  op.publish(`arcedge/${DEVICE}/cmd/status`, JSON.stringify({ id: 'after-other' }), { qos: 1 });
  await reply('after-other');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(messages.filter((m) => m.topic.endsWith('/reply/from-other')).length, 0, 'a device account cannot command another device');
  assert.ok(agent.lines.some((l) => l.msg === 'embedded broker refused a publish'), 'the refusal is logged');

  // A retained command is not stored: a later subscription receives no copy to replay.
  op.publish(`arcedge/${DEVICE}/cmd/status`, JSON.stringify({ id: 'retained-1' }), { qos: 1, retain: true });
  await reply('retained-1');
  const late = await connect(url, { username: 'arcedge-host', password: 'host-secret' });
  assert.ok(!(late instanceof Error));
  const replayed: string[] = [];
  late.on('message', (topic) => replayed.push(topic));
  await late.subscribeAsync(`arcedge/${DEVICE}/cmd/+`, { qos: 1 });
  await new Promise((r) => setTimeout(r, 500));
  late.end(true);
  assert.deepEqual(replayed, [], 'no retained command on the broker');

  // A 100 MB publish: cut at the header.
  const pid = agent.child.pid!;
  const before = rssMb(pid);
  const big = await connect(url, { username: 'arcedge-host', password: 'host-secret' });
  assert.ok(!(big instanceof Error));
  big.on('error', () => {});
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  big.publish(`arcedge/${DEVICE}/cmd/enroll`, Buffer.alloc(100 * 1024 * 1024, 0x41), { qos: 0 });
  await waitFor('the oversized connection closed', () => !big.connected, 20_000);
  await new Promise((r) => setTimeout(r, 2000));
  clearInterval(sampler);
  big.end(true);
  assert.ok(agent.lines.some((l) => l.msg === 'embedded broker closed a connection: MQTT packet over the size limit'), agent.tail());
  console.log(`# 100 MB publish: agent RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (+${(peak - before).toFixed(0)} MB); load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  assert.ok(peak - before < 40, `RSS grew ${(peak - before).toFixed(0)} MB for a refused 100 MB publish`);

  // 1,000 hostile messages over the command topics and the transfer protocol.
  let x = 0x23;
  const rand = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const evil = negativePaxTar();
  const half = Buffer.alloc(8192, 7);
  const sent: { id: string | null; topic: string }[] = [];
  const send = (name: string, payload: unknown, id: string | null) => {
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    op.publish(`arcedge/${DEVICE}/cmd/${name}`, body, { qos: 1 });
    sent.push({ id, topic: name });
  };
  const chunkOf = (data: Buffer, index: number, size: number) => data.subarray(index * size, (index + 1) * size);
  // The attack of finding 1, whole over MQTT: refused at commit, nothing kept.
  send('transfer', { id: 'evil-begin', op: 'begin', transfer: 'evil', kind: 'model-package', name: 'evil', bytes: evil.length, sha256: sha(evil), chunkBytes: 65536 }, 'evil-begin');
  for (let i = 0; i * 65536 < evil.length; i++) {
    const c = chunkOf(evil, i, 65536);
    send('transfer', { id: `evil-c${i}`, op: 'chunk', transfer: 'evil', index: i, data: c.toString('base64'), sha256: sha(c) }, `evil-c${i}`);
  }
  send('transfer', { id: 'evil-commit', op: 'commit', transfer: 'evil' }, 'evil-commit');
  for (let i = sent.length; i < 1000; i++) {
    const id = `h-${i}`;
    const t = `t${i % 7}`;
    switch (i % 12) {
      case 0:
        send(pick(['enroll', 'forget', 'transfer', 'apply', 'rollback', 'events', 'snapshot']), Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))), null);
        break;
      case 1: // over commands.maxPayloadBytes but under the packet limit: refused before decoding
        send(pick(['enroll', 'transfer']), JSON.stringify({ id, data: 'A'.repeat(maxPayloadBytes + 100) }), null);
        break;
      case 2: // a chunk before any begin, or after an abort
        send('transfer', { id, op: 'chunk', transfer: `never-${i}`, index: 0, data: half.toString('base64'), sha256: sha(half) }, id);
        break;
      case 3: // begin (sometimes conflicting with an earlier begin of the same id)
        send('transfer', { id, op: 'begin', transfer: t, kind: pick(['model-package', 'gallery']), name: 'x', bytes: pick([16384, 16385, 8192]), sha256: sha(pick(['a', 'b'])), chunkBytes: 8192 }, id);
        break;
      case 4: // a chunk out of range, or the wrong size, or a replay
        send('transfer', { id, op: 'chunk', transfer: t, index: pick([0, 1, 2, 99, 2 ** 31]), data: half.toString('base64'), sha256: sha(half) }, id);
        break;
      case 5: // commit of a half transfer
        send('transfer', { id, op: 'commit', transfer: t }, id);
        break;
      case 6:
        send('transfer', { id, op: pick(['status', 'abort']), transfer: t }, id);
        break;
      case 7: // apply of a transfer that never completed, a path as transfer id
        send('apply', { id, transfer: pick([t, '../../etc', 'evil']) }, id);
        break;
      case 8: // wrong types and unknown keys on every command
        send(pick(['enroll', 'forget', 'list', 'snapshot', 'status', 'reload', 'events', 'transfer', 'apply', 'rollback']), { id, bogus: [1, { a: null }], op: 42 }, id);
        break;
      case 9:
        send('transfer', { id, op: 'chunk', transfer: t, index: 0, data: '!!!', sha256: 'f'.repeat(64) }, id);
        break;
      case 10:
        send(`nosuch${i % 5}`, { id }, id);
        break;
      default:
        send('events', { id, limit: pick([-1, 0, 1e9, 'x']), before: pick(['x', null]) }, id);
    }
  }
  const withId = sent.filter((s) => s.id !== null);
  await waitFor('a reply to every message with an id', () => withId.every((s) => messages.some((m) => m.topic.endsWith(`/reply/${s.id}`))), 120_000).catch((e: Error) => {
    const missing = withId.filter((s) => !messages.some((m) => m.topic.endsWith(`/reply/${s.id}`))).slice(0, 5);
    assert.fail(`${e.message}: missing ${JSON.stringify(missing)}\n${agent.tail()}`);
  });
  for (const s of withId) {
    const got = messages.filter((m) => m.topic.endsWith(`/reply/${s.id}`));
    assert.equal(got.length, 1, `one reply for ${s.id}`);
    const r = JSON.parse(got[0]!.payload) as { ok: boolean; error?: { code: string; fix: string } };
    if (!r.ok) assert.ok(r.error!.code in DEVICE_CODES && r.error!.fix.length > 0, got[0]!.payload.slice(0, 200));
  }
  const invalid = sent.filter((s) => s.id === null).length;
  await waitFor('replies on reply/invalid', () => messages.filter((m) => m.topic.endsWith('/reply/invalid')).length >= invalid, 30_000);
  const evilCommit = JSON.parse(messages.find((m) => m.topic.endsWith('/reply/evil-commit'))!.payload) as { ok: boolean; error?: { code: string } };
  assert.equal(evilCommit.error?.code, 'ARCHIVE_INVALID', JSON.stringify(evilCommit));
  const incoming = du(join(dataDir, 'incoming'));
  assert.ok(incoming < 4 * 1024 * 1024, `incoming/ holds ${incoming} bytes`);
  const after = rssMb(pid);
  console.log(`# hostile messages: ${sent.length} sent (${withId.length} with ids, ${invalid} unreadable); RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MB; incoming/ ${incoming} bytes`);
  assert.ok(after - before < 150, `RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MB`);
  assert.equal(agent.child.exitCode, null, 'the agent is still running');
  await agent.kill('SIGTERM');
  assert.equal(await agent.exited, 0);
});
