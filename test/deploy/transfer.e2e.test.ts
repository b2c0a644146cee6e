/**
 * The chunked transfer end to end: a real mosquitto, a real agent (child process) and the host
 * side of `arcedge deploy` (tools/deploy/send-file.ts over tools/deploy/fleet-client.ts).
 * 1. `arcedge deploy` (the CLI, in-process), the broker SIGKILLed and restarted once a third of
 *    the chunks are on the device: the transfer resumes, completes, and the device applies it.
 * 2. The agent is SIGKILLed in the middle of a transfer and started again: the host resumes from
 *    the chunks the device kept on disk (it does not start over).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifyPackage } from '../../sdk/index.ts';
import { FleetClient } from '../../tools/deploy/fleet-client.ts';
import { preparePackage, type Prepared } from '../../tools/deploy/prepare.ts';
import { sendFile, transferIdOf } from '../../tools/deploy/send-file.ts';
import { Subscriber, waitFor } from '../agent/harness.ts';
import { startMosquitto, type Mosquitto } from '../agent/mosquitto.ts';
import { cli, DEPLOY_TMP, packages, startAgent, type TestAgent } from './fixtures.ts';

const dir = join(DEPLOY_TMP, 'transfer');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await Promise.resolve(f()).catch(() => {});
});

let broker: Mosquitto;
let agent: TestAgent;
let client: FleetClient;
let sub: Subscriber;
let prepared: Prepared;
let publicPem: string;
let pkgDir: string;

before(async () => {
  const p = await packages();
  publicPem = p.publicPem;
  pkgDir = p.trusted;
  prepared = await preparePackage(p.trusted, [publicPem]);
  cleanup.push(() => prepared.cleanup());
  broker = await startMosquitto(join(dir, 'broker'));
  cleanup.push(() => broker.kill());
  agent = startAgent(dir, 'xfer', broker.url, { deploy: { trustedKeys: [join(p.keys, 'public.pem')] } });
  cleanup.push(() => agent.process.kill('SIGKILL'));
  sub = new Subscriber(broker.url, 'arcedge/xfer/status', 'xfer-watch');
  cleanup.push(() => sub.end());
  await sub.ready();
  await waitFor('device online', () => sub.json('arcedge/xfer/status').find((s) => s.state === 'online'), 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.process.tail()}`);
  });
  client = await FleetClient.connect({ url: broker.url });
  cleanup.push(() => client.end());
});

test('arcedge deploy through a broker restart mid-transfer: the transfer resumes, completes and is applied', { timeout: 180_000 }, async () => {
  const chunkBytes = 32 * 1024;
  const chunks = Math.ceil(prepared.file.bytes / chunkBytes);
  const transfer = transferIdOf(prepared.file, chunkBytes); // the CLI re-packs the same bytes: same id
  const chunkDir = join(agent.dataDir, 'incoming', transfer, 'chunks');
  // Restart the broker once a third of the chunks are on the device's disk.
  let receivedAtRestart = 0;
  const restart = (async () => {
    await waitFor('a third of the chunks', () => existsSync(chunkDir) && readdirSync(chunkDir).length >= chunks / 3, 120_000);
    receivedAtRestart = readdirSync(chunkDir).length;
    await broker.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    await broker.start();
  })();
  const r = await cli(['deploy', pkgDir, '--device', 'xfer', '--broker', broker.url, '--chunk-kb', '32', '--window', '2', '--timeout', '150', '--json']);
  await restart;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${agent.process.tail()}`);
  const outcome = (JSON.parse(r.stdout) as { devices: { result: string; transfer: { transfer: string; chunks: number; chunksSent: number; resumes: number }; applied: { version: number } }[] }).devices[0]!;
  assert.equal(outcome.result, 'applied');
  assert.equal(outcome.transfer.transfer, transfer);
  assert.ok(receivedAtRestart > 0 && receivedAtRestart < chunks, `restarted at ${receivedAtRestart}/${chunks}`);
  assert.ok(outcome.transfer.resumes >= 1, `the loop went back to begin after the outage (${outcome.transfer.resumes} resumes)`);
  // Resumed, not restarted: beyond one send per chunk, only the few in flight when the broker
  // died are sent again (window 2 each way). A restart from zero would resend every chunk the
  // device already had, receivedAtRestart of them: more than this slack.
  const slack = 6;
  assert.ok(receivedAtRestart > slack, `the outage came late enough to tell a resume from a restart (${receivedAtRestart} chunks in)`);
  assert.ok(outcome.transfer.chunksSent - chunks <= slack, `resumed rather than restarted: ${outcome.transfer.chunksSent} chunk sends for ${chunks} chunks (${receivedAtRestart} were on the device at the outage)`);
  assert.equal(outcome.applied.version, prepared.manifest!.version);
  await waitFor('the retained status shows the new version', () => (sub.json('arcedge/xfer/status').at(-1)?.model as { version?: number } | undefined)?.version === prepared.manifest!.version, 20_000);
});

test('an agent SIGKILLed mid-transfer keeps its chunks: the host resumes where it stopped', { timeout: 240_000 }, async () => {
  const chunkBytes = 16 * 1024; // another chunk size: another transfer id
  const chunks = Math.ceil(prepared.file.bytes / chunkBytes);
  let killed: Promise<void> | undefined;
  let receivedAtKill = 0;
  const resumedAt: number[] = [];
  const result = await sendFile(client, 'xfer', prepared.file, {
    chunkBytes,
    window: 2,
    timeoutMs: 200_000,
    requestTimeoutMs: 5000,
    onProgress: (received, _chunks, note) => {
      if (note === 'resumed') resumedAt.push(received);
      if (!killed && received >= Math.floor(chunks / 2)) {
        receivedAtKill = received;
        killed = agent.restart();
      }
    },
  });
  await killed;
  assert.ok(resumedAt.length >= 1, 'the host resumed');
  // Every chunk acknowledged before the kill was on disk: the device's first answer after its
  // restart reports at least those (a chunk in flight may have landed too).
  assert.ok(resumedAt[resumedAt.length - 1]! >= receivedAtKill, `device reported ${resumedAt.join(', ')} after restart; ${receivedAtKill} were acknowledged before the kill`);
  assert.ok(result.chunksSent <= chunks + 4, `${result.chunksSent} chunk sends for ${chunks} chunks: nothing was sent twice but the ones in flight`);
  await verifyPackage(join(agent.dataDir, 'incoming', result.transfer, 'package'), [publicPem]);
});
