/**
 * Pipeline processes under supervision, with the agent as a child process and a real mosquitto:
 * 1. two workers on two looping cameras: the first pipeline process is killed with SIGKILL, then
 *    (restarted) with SIGABRT, what a native abort in OpenCV/onnxruntime/TensorRT raises. Its
 *    camera goes error then online again, the other camera never leaves online, the restart count
 *    is in the metrics, every event the agent stored reaches the broker, and commands are answered
 *    throughout.
 * 2. a pipeline that cannot start (a corrupt model file): its camera is in error with the reason
 *    and the fix, the agent keeps answering commands, and restarts follow the backoff.
 * 3. online before the models load: the pipeline process is stopped (SIGSTOP) as soon as it
 *    exists, so its model load cannot finish; the retained status says online, phase starting or
 *    building, meanwhile; after SIGCONT it says ready.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetModel, repoRoot } from '../helpers/assets.ts';
import { AgentProcess, Subscriber, TEST_MODELS, waitFor, writeConfig } from './harness.ts';
import { startMosquitto, type Mosquitto } from './mosquitto.ts';
import { testClip } from './fixtures.ts';

const dir = join(repoRoot, 'test', '.tmp', 'agent-supervision');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

function config(device: string, broker: Mosquitto, models: string, cameras: { id: string; source: string; enabled?: boolean }[], workers: number) {
  return {
    device: { id: device },
    mqtt: { url: broker.url, reconnectMs: 500, keepaliveSec: 10 },
    models,
    gallery: join(dir, `${device}-gallery.db`),
    dataDir: join(dir, `${device}-data`),
    workers,
    cameras: cameras.map((c) => ({ ...c, loop: true, stallTimeoutSec: 20 })),
    recognition: { cooldownSec: 0 },
    metrics: { intervalSec: 1 },
  };
}

/** Pipeline process pids from the agent's log, newest last, per process index. */
const pidsOf = (agent: AgentProcess, index: number) => agent.lines.filter((l) => l.msg === 'pipeline process started' && l.process === index).map((l) => l.pid as number);

/** The direct children of `pid` (Linux /proc), for a pipeline process that has not logged yet. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

test('a killed or aborted pipeline process restarts; its camera goes error then online; events are kept', { timeout: 240_000 }, async () => {
  const clip = await testClip();
  const broker = await startMosquitto(join(dir, 'broker-1'));
  cleanup.push(() => broker.kill());
  const device = 'sup';
  const sub = new Subscriber(broker.url, `arcedge/${device}/#`, 'sup-watcher');
  cleanup.push(() => sub.end());
  await sub.ready();
  const cameras = [
    { id: 'a', source: `file://${clip.path}` },
    { id: 'b', source: `file://${clip.path}` },
  ];
  const agent = new AgentProcess(writeConfig(join(dir, 'sup.json'), config(device, broker, TEST_MODELS(), cameras, 2)));
  cleanup.push(() => agent.kill('SIGKILL'));
  const fail = (e: Error) => {
    throw new Error(`${e.message}\nagent log:\n${agent.tail(40)}`);
  };
  const cameraStates = (camera: string) => sub.json(`arcedge/${device}/cameras/${camera}/status`).map((s) => s.state as string);
  await waitFor('both cameras online', () => cameraStates('a').includes('online') && cameraStates('b').includes('online'), 120_000).catch(fail);
  await waitFor('a first event', () => agent.events()[0], 60_000).catch(fail);
  const owner = pidsOf(agent, 0);
  assert.equal(owner.length, 1);
  const processOfA = agent.lines.find((l) => l.msg === 'pipeline process started' && (l.cameras as string[]).includes('a'))!.process as number;
  assert.equal(processOfA, 0, 'camera a is served by process 0');

  for (const [round, signal] of (['SIGKILL', 'SIGABRT'] as const).entries()) {
    const before = cameraStates('a').length;
    const pid = pidsOf(agent, 0).at(-1)!;
    process.kill(pid, signal);
    await waitFor(`camera a in error after ${signal}`, () => cameraStates('a').slice(before).includes('error'), 20_000).catch(fail);
    const error = sub.json(`arcedge/${device}/cameras/a/status`).slice(before).find((s) => s.state === 'error')!;
    assert.match(error.reason as string, signal === 'SIGKILL' ? /pipeline process killed by SIGKILL/ : /pipeline process killed by SIGABRT/);
    assert.ok((error.retryInMs as number) > 0, 'the error says when the restart comes');
    await waitFor(`camera a online again after ${signal}`, () => cameraStates('a').slice(before).slice(cameraStates('a').slice(before).indexOf('error')).includes('online'), 90_000).catch(fail);
    assert.equal(pidsOf(agent, 0).length, round + 2, 'one new process per crash');
    const status = await sub.command(device, 'status', { id: `status-${round}` }, `status-${round}`);
    assert.equal(status.ok, true, 'commands are answered after the restart');
  }
  assert.ok(!cameraStates('b').includes('error'), `camera b (the other process) never left online: ${JSON.stringify(sub.json(`arcedge/${device}/cameras/b/status`))}\nagent log:\n${agent.tail(40)}`);
  await waitFor('metrics count both restarts', () => sub.json(`arcedge/${device}/metrics`).some((m) => (m.pipeline as { restarts: number } | undefined)?.restarts === 2), 10_000).catch(fail);
  // Decisions go on after the restarts.
  const eventsBefore = agent.events().length;
  await waitFor('events after the restarts', () => agent.events().length > eventsBefore, 90_000).catch(fail);
  const stored = agent.events().map((e) => e.id as string);
  await waitFor('every stored event delivered', () => stored.every((id) => sub.events(device).some((e) => e.id === id)), 30_000).catch(fail);
  await agent.kill('SIGTERM');
});

test('a pipeline that cannot start: camera error with reason and fix, commands answered, backoff respected', { timeout: 120_000 }, async () => {
  const clip = await testClip();
  const broker = await startMosquitto(join(dir, 'broker-2'));
  cleanup.push(() => broker.kill());
  const device = 'bad';
  const set = join(dir, 'corrupt-set');
  mkdirSync(set, { recursive: true });
  writeFileSync(join(set, 'det_500m.onnx'), Buffer.from('this is not an onnx model'));
  symlinkSync(assetModel('fr_feature_512.onnx'), join(set, 'fr_feature_512.onnx'));
  const sub = new Subscriber(broker.url, `arcedge/${device}/#`, 'bad-watcher');
  cleanup.push(() => sub.end());
  await sub.ready();
  const agent = new AgentProcess(writeConfig(join(dir, 'bad.json'), config(device, broker, `local:${set}`, [{ id: 'door', source: `file://${clip.path}` }], 1)));
  cleanup.push(() => agent.kill('SIGKILL'));
  const fail = (e: Error) => {
    throw new Error(`${e.message}\nagent log:\n${agent.tail(40)}`);
  };
  const error = await waitFor('camera error', () => sub.json(`arcedge/${device}/cameras/door/status`).find((s) => s.state === 'error'), 60_000).catch(fail);
  assert.match(error.reason as string, /pipeline process exited with code 1: .+\(fix: .+\)/, `reason and fix: ${error.reason as string}`);
  const status = sub.json(`arcedge/${device}/status`).at(-1)!;
  assert.equal(status.state, 'online', 'the device is online (MQTT, commands, web) without a pipeline');
  const reply = await sub.command(device, 'status', { id: 'status-bad' }, 'status-bad');
  assert.equal(reply.ok, true, 'commands are answered');
  const list = await sub.command(device, 'list', { id: 'list-bad' }, 'list-bad');
  assert.equal(list.ok, false);
  assert.equal((list.error as { code: string }).code, 'BACKEND_DISPOSED', 'gallery commands say the pipeline is not running');
  // Backoff 0.5, 1, 2, 4, 8 s: in 10 s at most 5 starts (the process's own start time only adds).
  const firstStart = agent.lines.find((l) => l.msg === 'pipeline process started')!;
  const startedAt = Date.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const starts = agent.lines.filter((l) => l.msg === 'pipeline process started').length;
  assert.ok(starts >= 2 && starts <= 6, `${starts} starts in ~${Math.round((Date.now() - startedAt) / 1000) + 5} s (first: ${JSON.stringify(firstStart)})`);
  assert.equal(agent.child.exitCode, null, 'the agent keeps running');
  await agent.kill('SIGTERM');
});

test('online (phase starting/building) is published before a slow model load finishes', { timeout: 120_000 }, async () => {
  const broker = await startMosquitto(join(dir, 'broker-3'));
  cleanup.push(() => broker.kill());
  const device = 'slow';
  const sub = new Subscriber(broker.url, `arcedge/${device}/status`, 'slow-watcher');
  cleanup.push(() => sub.end());
  await sub.ready();
  const agent = new AgentProcess(writeConfig(join(dir, 'slow.json'), config(device, broker, TEST_MODELS(), [{ id: 'door', source: 'file:///nonexistent.mp4', enabled: false }], 1)));
  cleanup.push(() => agent.kill('SIGKILL'));
  // Freeze the pipeline process the moment it exists: its model load cannot finish until SIGCONT.
  const pid = await waitFor('the pipeline process', () => {
    if (agent.child.exitCode !== null) throw new Error(`the agent exited:\n${agent.tail()}`);
    return childrenOf(agent.child.pid!).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('worker.ts'));
  }, 30_000);
  process.kill(pid, 'SIGSTOP');
  try {
    const early = await waitFor('online while the models cannot load', () => sub.json(`arcedge/${device}/status`).find((s) => s.state === 'online'), 30_000);
    assert.ok(early.phase === 'starting' || early.phase === 'building', `phase ${String(early.phase)}`);
    assert.ok(!agent.lines.some((l) => l.msg === 'pipeline ready'), 'the models had not loaded');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await waitFor('phase ready after the load', () => sub.json(`arcedge/${device}/status`).find((s) => s.phase === 'ready'), 60_000);
  await agent.kill('SIGTERM');
});
