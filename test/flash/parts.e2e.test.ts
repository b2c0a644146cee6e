/**
 * The pieces of `arcedge flash` that need no ssh: which packages go onto a device (runtime
 * closure, build-only tools left out, other platforms' binaries pruned), which keys may go
 * (never a private one), and when a device counts as online (a stale retained status does not).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join, relative } from 'node:path';
import mqtt from 'mqtt';
import { isArcEdgeError } from '../../sdk/index.ts';
import { checkPublicKey } from '../../tools/flash/bundle.ts';
import { copyPackages, packageClosure } from '../../tools/flash/node-modules.ts';
import { watchOnline } from '../../tools/flash/wait-online.ts';
import { checkAgentConfig, ensureAgentBundle } from '../../tools/flash/app-build.ts';
import { repoRoot } from '../helpers/assets.ts';
import { startMosquitto } from '../agent/mosquitto.ts';

const dir = join(repoRoot, 'test', '.tmp', 'flash-parts');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

const depsOf = (pkgDir: string): string[] => Object.keys((JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});

test('the runtime closure follows package.json dependencies and leaves out install-time tools', () => {
  const closure = packageClosure(repoRoot, ['better-sqlite3']).map((d) => relative(join(repoRoot, 'node_modules'), d));
  assert.ok(closure.includes('better-sqlite3'));
  // Every runtime dependency better-sqlite3 declares is in, except its install-time prebuild-install.
  for (const dep of depsOf(join(repoRoot, 'node_modules', 'better-sqlite3'))) {
    if (dep === 'prebuild-install') assert.ok(!closure.includes(dep), 'prebuild-install is install-time only');
    else assert.ok(closure.some((c) => c === dep || c.endsWith(`/node_modules/${dep}`)), `${dep} missing from ${closure.join(', ')}`);
  }
  const ort = packageClosure(repoRoot, ['onnxruntime-node']).map((d) => relative(join(repoRoot, 'node_modules'), d));
  assert.ok(ort.includes('onnxruntime-common'));
  assert.ok(!ort.includes('adm-zip') && !ort.includes('global-agent'), 'the CUDA download helpers are install-time only');
});

test('onnxruntime-node is copied with only the device platform binaries', () => {
  const dest = join(dir, 'node_modules');
  copyPackages(repoRoot, packageClosure(repoRoot, ['onnxruntime-node']), dest, { onnxruntimeTargets: ['linux/arm64'] });
  const bin = join(dest, 'onnxruntime-node', 'bin', 'napi-v6');
  assert.ok(existsSync(join(bin, 'linux', 'arm64', 'onnxruntime_binding.node')));
  assert.ok(!existsSync(join(bin, 'linux', 'x64')), 'x64 binaries copied for an arm64 device');
  assert.ok(!existsSync(join(bin, 'darwin')) && !existsSync(join(bin, 'win32')));
  assert.ok(existsSync(join(dest, 'onnxruntime-common', 'package.json')));
});

test('only public keys are accepted for the device', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = join(dir, 'public.pem');
  const priv = join(dir, 'private.pem');
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  assert.match(checkPublicKey(pub), /BEGIN PUBLIC KEY/);
  assert.throws(() => checkPublicKey(priv), (e: unknown) => isArcEdgeError(e) && e.code === 'CONFIG_INVALID' && /private key/.test(e.message) && /public\.pem/.test(e.fix));
  writeFileSync(join(dir, 'junk.pem'), 'not a key');
  assert.throws(() => checkPublicKey(join(dir, 'junk.pem')), (e: unknown) => isArcEdgeError(e) && e.code === 'CONFIG_INVALID');
});

test('a stale retained online does not count; a fresh one does', { timeout: 30_000 }, async () => {
  const broker = await startMosquitto(join(dir, 'broker'));
  cleanup.push(() => broker.kill());
  const device = 'parts-dev';
  const topic = `arcedge/${device}/status`;
  const publisher = mqtt.connect(broker.url, { protocolVersion: 4 });
  cleanup.push(() => new Promise<void>((r) => publisher.end(true, {}, () => r())));
  await new Promise<void>((r) => publisher.once('connect', () => r()));
  const publish = (payload: object) => new Promise<void>((r) => publisher.publish(topic, JSON.stringify(payload), { qos: 1, retain: true }, () => r()));
  // The previous agent's online, retained an hour ago.
  await publish({ device, state: 'online', ts: new Date(Date.now() - 3_600_000).toISOString(), version: 'old' });
  const since = new Date();
  const watch = watchOnline({ url: broker.url }, device, since);
  cleanup.push(() => watch.close());
  await assert.rejects(watch.wait(1500), (e: unknown) => isArcEdgeError(e) && e.code === 'DEVICE_OFFLINE' && /last status seen: online at .* \(retained\)/.test(e.message) && /journalctl/.test(e.fix));
  await publish({ device, state: 'online', ts: new Date().toISOString(), version: 'new' });
  const online = await watch.wait(5000);
  assert.equal(online.version, 'new');
});

test('starting and building keep the wait alive: building extends it to the build timeout', { timeout: 30_000 }, async () => {
  const broker = await startMosquitto(join(dir, 'broker-alive'));
  cleanup.push(() => broker.kill());
  const device = 'parts-building';
  const topic = `arcedge/${device}/status`;
  const publisher = mqtt.connect(broker.url, { protocolVersion: 4 });
  cleanup.push(() => new Promise<void>((r) => publisher.end(true, {}, () => r())));
  await new Promise<void>((r) => publisher.once('connect', () => r()));
  const publish = (payload: object) => new Promise<void>((r) => publisher.publish(topic, JSON.stringify(payload), { qos: 1, retain: true }, () => r()));
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // A stale retained `building` from an earlier agent proves nothing: the wait still times out.
  await publish({ device, state: 'building', ts: new Date(Date.now() - 3_600_000).toISOString() });
  const watch = watchOnline({ url: broker.url }, device, new Date());
  cleanup.push(() => watch.close());
  await assert.rejects(watch.wait(1000, { buildTimeoutMs: 10_000 }), (e: unknown) => isArcEdgeError(e, 'DEVICE_OFFLINE') && /last status seen: building .*\(retained\)/.test(e.message));

  const seen: string[] = [];
  const started = Date.now();
  const waiting = watch.wait(1000, { buildTimeoutMs: 6000, onAlive: (state) => seen.push(state) });
  await delay(300);
  await publish({ device, state: 'starting', ts: new Date().toISOString() });
  await delay(500);
  // The agent's own shape (agent/status.ts): online, phase building: alive, not yet serving.
  await publish({ device, state: 'online', phase: 'building', ts: new Date().toISOString(), detail: 'det_500m fp16' });
  await delay(2500); // well past the 1 s wait: only `building` keeps it open
  await publish({ device, state: 'online', phase: 'ready', ts: new Date().toISOString(), version: 'built' });
  const online = await waiting;
  assert.equal(online.version, 'built');
  assert.ok(Date.now() - started > 3000, 'the wait outlived its 1 s timeout');
  assert.deepEqual(seen, ['starting', 'building']);

  // Building, then silence past the build timeout: DEVICE_OFFLINE says it was still building.
  await publish({ device, state: 'building', ts: new Date().toISOString() });
  await delay(300); // delivered before wait(): a status seen between subscribe and wait() counts
  await assert.rejects(watch.wait(500, { buildTimeoutMs: 1200 }), (e: unknown) => isArcEdgeError(e, 'DEVICE_OFFLINE') && /still building/.test(e.fix) && /--build-timeout/.test(e.fix));
});

test('an unreachable broker times out with the --broker fix', { timeout: 30_000 }, async () => {
  const watch = watchOnline({ url: 'mqtt://127.0.0.1:1' }, 'nobody', new Date());
  cleanup.push(() => watch.close());
  await assert.rejects(watch.wait(1500), (e: unknown) => isArcEdgeError(e) && e.code === 'DEVICE_OFFLINE' && /could not connect/.test(e.message) && /--broker/.test(e.fix));
});

test('the config check is the agent\'s schema; secrets are left to the device', { timeout: 120_000 }, () => {
  ensureAgentBundle(repoRoot, () => {}); // CI built dist/ already; a checkout with newer sources rebuilds
  const good = join(dir, 'good.yaml');
  // The password file exists only on the device: the host check must not require it.
  writeFileSync(good, 'device: { id: cam-1 }\nmqtt: { url: "mqtt://broker:1883", username: cam-1, password: { file: /etc/arcedge/mqtt.pass } }\ncameras: [{ id: door, source: "rtsp://cam/1" }]\n');
  const checked = checkAgentConfig(repoRoot, good);
  assert.equal(checked.device.id, 'cam-1');
  assert.equal(checked.mqtt.url, 'mqtt://broker:1883');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'device: { id: cam-1 }\ncameras: [{ id: door, source: "rtsp://cam/1", fps: -3 }]\nworkerz: 2\n');
  assert.throws(() => checkAgentConfig(repoRoot, bad), (e: unknown) => isArcEdgeError(e) && e.code === 'CONFIG_INVALID' && /cameras\.0\.fps/.test(e.message) && /workerz/.test(e.message) && /nothing was copied/.test(e.message));
});
