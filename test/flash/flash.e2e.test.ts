/**
 * `arcedge flash` end to end, with a real OpenSSH server on 127.0.0.1 (test/flash/sshd.ts) and a
 * real mosquitto:
 * 1. flash over ssh into a temp target folder (--no-service: CI has no systemd as PID 1), start
 *    the installed agent from that folder as the printed command says, and see flash and an
 *    independent subscriber get its `online`; the config and keys are 0600; the unit file passes
 *    `systemd-analyze verify` where that exists.
 * 2. `--out bundle.tar.gz`, unpacked and installed with its install.sh into another folder, runs too.
 * 3. Failures say what to do and copy nothing: nothing listening, an unknown host key, a wrong
 *    key, an invalid config.
 * The native modules and the OpenCV binding built on this machine are shipped and reused (same
 * arch and Node ABI), so no compile happens here: install.sh prints which path it took.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import { assetFace, repoRoot } from '../helpers/assets.ts';
import { AgentProcessAt, runCli } from './processes.ts';
import { Subscriber, TEST_MODELS, waitFor } from '../agent/harness.ts';
import { freePort, startMosquitto, type Mosquitto } from '../agent/mosquitto.ts';
import { startSshd, type TestSshd } from './sshd.ts';
import { probeDevice } from '../../tools/flash/device.ts';
import { isArcEdgeError } from '../../sdk/index.ts';

const dir = join(repoRoot, 'test', '.tmp', 'flash');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

let sshd: TestSshd;
let broker: Mosquitto;
let publicKey: string;

before(async () => {
  sshd = await startSshd(join(dir, 'sshd'));
  cleanup.push(() => sshd.stop());
  broker = await startMosquitto(join(dir, 'broker'));
  cleanup.push(() => broker.kill());
  publicKey = join(dir, 'public.pem');
  writeFileSync(publicKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
});

function agentConfig(device: string): string {
  const path = join(dir, `${device}.yaml`);
  const config = {
    device: { id: device },
    mqtt: { url: broker.url, reconnectMs: 500 },
    models: TEST_MODELS(),
    inference: { backend: { threads: 1 } },
    cameras: [{ id: 'door', source: `folder://${assetFace('debian')}`, fps: 2 }],
    metrics: { intervalSec: 5 },
  };
  writeFileSync(path, JSON.stringify(config, null, 2)); // JSON is YAML: the agent reads either
  return path;
}

// --node: the node running this test, wherever CI installed it (an ssh session's PATH may not hold it).
const sshArgs = (node = process.execPath): string[] => ['--host', sshd.host, '--port', String(sshd.port), '--identity', sshd.identity, '--known-hosts', sshd.knownHosts, '--node', node];
const mode = (path: string): number => statSync(path).mode & 0o777;

/** systemd-analyze verify, when installed (scripts/setup.sh installs `systemd`); a skip line otherwise, which CI counts as a failure. */
function verifyUnit(t: TestContext, unit: string): void {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    t.skip('systemd-analyze is not installed (Debian: systemd), the unit file was not verified');
    return;
  }
  const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  assert.equal(result.status, 0, `systemd-analyze verify ${unit}: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /arcedge-agent\.service/, `systemd-analyze warned: ${result.stderr}`);
}

test('flash over ssh into a folder; the installed agent reports online', { timeout: 480_000 }, async (t) => {
  const target = join(dir, 'target-ssh');
  const device = 'flash-ssh';
  const sub = new Subscriber(broker.url, `arcedge/${device}/#`, 'flash-watcher-1');
  cleanup.push(() => sub.end());
  await sub.ready();
  const flash = runCli(['flash', ...sshArgs(), '--config', agentConfig(device), '--dir', target, '--keys', publicKey, '--no-service', '--timeout', '240', '--json']);
  cleanup.push(() => flash.kill());
  // No systemd here: flash says how to start the agent and waits for it; do as it says.
  await waitFor('flash to finish installing', () => flash.stderr.includes('no service was started') || flash.exitCode !== null, 400_000);
  assert.equal(flash.exitCode, null, `flash failed early:\n${flash.stderr.slice(-3000)}`);
  assert.match(flash.stderr, /native modules: using the prebuilt ones for linux-/);
  assert.match(flash.stderr, /shipped OpenCV binding loads/);
  assert.match(flash.stderr, /TensorRT not found .*skipped/);
  const agent = new AgentProcessAt(join(target, 'bin', 'arcedge-agent'));
  cleanup.push(() => agent.kill());
  const code = await flash.exited;
  assert.equal(code, 0, `flash exit ${code}:\n${flash.stderr.slice(-3000)}\nagent:\n${agent.tail()}`);
  const summary = JSON.parse(flash.stdout) as { online: { device: string; version?: string } | null; service: string; nativePrebuilt: boolean; tensorrt: string };
  assert.equal(summary.online?.device, device);
  assert.equal(summary.service, 'not-installed');
  assert.equal(summary.tensorrt, 'skipped');
  // An independent subscriber sees the same retained online, and the camera running (OpenCV loaded).
  const online = sub.json(`arcedge/${device}/status`).find((s) => s.state === 'online');
  assert.ok(online, 'subscriber saw no online status');
  await waitFor('camera online', () => sub.json(`arcedge/${device}/cameras/door/status`).find((s) => s.state === 'online'), 60_000);
  await agent.kill();

  assert.equal(mode(join(target, 'data', 'agent.yaml')), 0o600);
  assert.equal(mode(join(target, 'data', 'keys', 'public.pem')), 0o600);
  // --keys also made them the device's trusted keys (relative to the installed config).
  assert.deepEqual((parse(readFileSync(join(target, 'data', 'agent.yaml'), 'utf8')) as { deploy?: { trustedKeys?: string[] } }).deploy?.trustedKeys, ['keys/public.pem']);
  assert.equal(mode(join(target, 'data')), 0o700);
  const unit = readFileSync(join(target, 'arcedge-agent.service'), 'utf8');
  for (const line of ['Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', `ReadWritePaths=${target}/data`, 'PrivateTmp=no', `Environment=TMPDIR=${target}/data/tmp`, 'SupplementaryGroups=video render', 'ProtectHome=yes', `ExecStart=${target}/bin/arcedge-agent`]) {
    assert.ok(unit.includes(`${line}\n`), `unit lacks ${line}`);
  }
  verifyUnit(t, join(target, 'arcedge-agent.service'));
});

test('--out writes an offline installer whose install.sh installs a working agent', { timeout: 420_000 }, async (t) => {
  const bundle = join(dir, 'arcedge-agent.tar.gz');
  const device = 'flash-offline';
  const out = runCli(['flash', '--config', agentConfig(device), '--keys', publicKey, '--out', bundle, '--json']);
  assert.equal(await out.exited, 0, out.stderr.slice(-3000));
  assert.equal((JSON.parse(out.stdout) as { out: string }).out, bundle);
  const unpacked = join(dir, 'unpacked');
  mkdirSync(unpacked, { recursive: true });
  assert.equal(spawnSync('tar', ['-xzf', bundle, '-C', unpacked]).status, 0);
  for (const part of ['install.sh', 'app/dist/bin/arcedge-agent.js', 'app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64', 'config/agent.yaml', 'keys/public.pem', 'app/dist/web/index.html', 'app/node_modules/hono/package.json', 'app/node_modules/@hono/node-server/package.json']) {
    assert.ok(existsSync(join(unpacked, part)), `bundle lacks ${part}`);
  }
  const target = join(dir, 'target-offline');
  const install = (): { status: number | null; out: string } => {
    const r = spawnSync('sh', [join(unpacked, 'install.sh'), '--dir', target, '--no-service'], { encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const first = install();
  assert.equal(first.status, 0, first.out);
  assert.match(first.out, /native modules: using the prebuilt ones for linux-/);
  assert.match(first.out, /arcedge-install: done/);
  // Idempotent: a second run upgrades in place and keeps the data folder.
  writeFileSync(join(target, 'data', 'kept.txt'), 'kept');
  const second = install();
  assert.equal(second.status, 0, second.out);
  assert.equal(readFileSync(join(target, 'data', 'kept.txt'), 'utf8'), 'kept');
  assert.match(second.out, /OpenCV .* ready \(already built\)/);

  const sub = new Subscriber(broker.url, `arcedge/${device}/#`, 'flash-watcher-2');
  cleanup.push(() => sub.end());
  await sub.ready();
  const agent = new AgentProcessAt(join(target, 'bin', 'arcedge-agent'));
  cleanup.push(() => agent.kill());
  await waitFor('offline-installed agent online', () => sub.json(`arcedge/${device}/status`).find((s) => s.state === 'online'), 120_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${agent.tail()}`);
  });
  await agent.kill();
  verifyUnit(t, join(target, 'arcedge-agent.service'));
});

test('failures name the fix and copy nothing', { timeout: 240_000 }, async () => {
  const target = join(dir, 'target-never');
  const config = agentConfig('flash-bad');
  const expectFailure = async (args: string[], code: string, fix: RegExp): Promise<void> => {
    const run = runCli(['flash', ...args, '--config', config, '--dir', target, '--no-wait']);
    assert.equal(await run.exited, 1, `${args.join(' ')}:\n${run.stderr}`);
    assert.match(run.stderr, new RegExp(`\\[${code}\\]`), run.stderr);
    assert.match(run.stderr, fix, run.stderr);
    assert.ok(!existsSync(target), `${target} was created`);
  };
  // Nothing listens on the port.
  await expectFailure(['--host', sshd.host, '--port', String(await freePort()), '--identity', sshd.identity, '--known-hosts', sshd.knownHosts], 'DEVICE_UNREACHABLE', /sshd runs/);
  // The device's host key is not the one we know.
  const emptyKnownHosts = join(dir, 'known_hosts.empty');
  writeFileSync(emptyKnownHosts, '');
  await expectFailure(['--host', sshd.host, '--port', String(sshd.port), '--identity', sshd.identity, '--known-hosts', emptyKnownHosts], 'DEVICE_UNREACHABLE', /ssh-keyscan/);
  // A key the device does not accept.
  const stranger = join(dir, 'stranger_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
  await expectFailure(['--host', sshd.host, '--port', String(sshd.port), '--identity', stranger, '--known-hosts', sshd.knownHosts], 'DEVICE_UNREACHABLE', /ssh-copy-id/);
  // No node where the device should have one: the probe stops before anything is copied.
  await expectFailure(sshArgs('/nonexistent/bin/node'), 'DEVICE_NODE_MISSING', /install Node\.js >= 20\.15/);
  // Less free space than needed (the probe's real df against an impossible requirement).
  const device = { host: sshd.host, port: sshd.port, identity: sshd.identity, knownHosts: sshd.knownHosts };
  const script = readFileSync(join(repoRoot, 'tools', 'flash', 'install.sh'), 'utf8');
  await assert.rejects(probeDevice(device, script, { dir: target, needKb: 1e12, node: process.execPath }), (e: unknown) => isArcEdgeError(e) && e.code === 'DEVICE_DISK_FULL' && /kB free/.test(e.message) && /--dir/.test(e.fix));
  const probed = await probeDevice(device, script, { dir: target, needKb: 1, node: process.execPath });
  assert.equal(probed.nodeVersion, process.versions.node);
  assert.equal(probed.key, `linux-${process.arch}-node${process.versions.modules}`);
  assert.ok(probed.opencvLib.includes('libopencv_core'));
  assert.ok(!existsSync(target));
  // A config the agent's schema refuses: caught before anything is copied, every problem listed.
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'device: { id: "no spaces allowed" }\ncameras: []\nbogus: 1\n');
  const run = runCli(['flash', ...sshArgs(), '--config', bad, '--dir', target]);
  assert.equal(await run.exited, 1, run.stderr);
  assert.match(run.stderr, /\[CONFIG_INVALID\]/);
  assert.match(run.stderr, /nothing was copied/);
  assert.match(run.stderr, /device\.id/);
  assert.match(run.stderr, /cameras/);
  assert.match(run.stderr, /bogus/);
  assert.ok(!existsSync(target));
});
