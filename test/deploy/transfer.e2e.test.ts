/**
 * The chunked transfer end to end: a real mosquitto, a real agent (child process) and the host
 * side of `arcedge deploy` (tools/deploy/send-file.ts over tools/deploy/fleet-client.ts).
 * 1. The broker is restarted in the middle of a transfer: the transfer resumes and completes,
 *    and the package the device staged verifies against the trusted key.
 * 2. The agent is SIGKILLed in the middle of a transfer and started again: the host resumes from
 *    the chunks the device kept on disk (it does not start over).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifyPackage } from '../../sdk/index.ts';
import { FleetClient } from '../../tools/deploy/fleet-client.ts';
import { preparePackage, type Prepared } from '../../tools/deploy/prepare.ts';
import { sendFile, transferIdOf } from '../../tools/deploy/send-file.ts';
import { Subscriber, waitFor } from '../agent/harness.ts';
import { startMosquitto, type Mosquitto } from '../agent/mosquitto.ts';
import { DEPLOY_TMP, packages, startAgent, type TestAgent } from './fixtures.ts';

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

before(async () => {
  const p = await packages();
  publicPem = p.publicPem;
  prepared = await preparePackage(p.trusted, [publicPem]);
  cleanup.push(() => prepared.cleanup());
  broker = await startMosquitto(join(dir, 'broker'));
  cleanup.push(() => broker.kill());
  agent = startAgent(dir, 'xfer', broker.url);
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

test('a broker restart mid-transfer: the transfer resumes and completes', { timeout: 180_000 }, async () => {
  const chunkBytes = 32 * 1024;
  const chunks = Math.ceil(prepared.file.bytes / chunkBytes);
  let restarted: Promise<void> | undefined;
  let receivedAtRestart = 0;
  const result = await sendFile(client, 'xfer', prepared.file, {
    chunkBytes,
    window: 2,
    timeoutMs: 150_000,
    requestTimeoutMs: 5000,
    onProgress: (received) => {
      if (!restarted && received >= Math.floor(chunks / 3)) {
        receivedAtRestart = received;
        restarted = (async () => {
          await broker.kill('SIGKILL');
          await new Promise((r) => setTimeout(r, 1500));
          await broker.start();
        })();
      }
    },
  });
  await restarted;
  assert.ok(receivedAtRestart > 0 && receivedAtRestart < chunks, `restarted at ${receivedAtRestart}/${chunks}`);
  assert.ok(result.resumes >= 1, `the loop went back to begin after the outage (${result.resumes} resumes)`);
  assert.ok(result.chunksSent < chunks * 1.5, `resumed rather than restarted: ${result.chunksSent} chunk sends for ${chunks} chunks`);
  const staged = join(agent.dataDir, 'incoming', result.transfer);
  assert.equal(result.transfer, transferIdOf(prepared.file, chunkBytes));
  const meta = JSON.parse(readFileSync(join(staged, 'transfer.json'), 'utf8'));
  assert.deepEqual(meta, { kind: 'model-package', name: prepared.manifest!.name, bytes: prepared.file.bytes, sha256: prepared.file.sha256, complete: true });
  const verified = await verifyPackage(join(staged, 'package'), [publicPem]);
  assert.equal(verified.manifest.version, prepared.manifest!.version);
  assert.ok(!existsSync(join(staged, 'chunks')), 'chunks are removed once staged');
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
