/**
 * `arcedge flash --host user@device [--config agent.yaml] [--dir /opt/arcedge] [--keys public.pem]...`:
 * installs the agent on a device over SSH, or (`--out bundle.tar.gz`) writes the same content as
 * an offline installer. Steps, in order (docs/flash.md):
 *   1. the agent's rollup bundle (built if stale) and the config, checked by the agent's own schema;
 *   2. the device probed (install.sh --check over ssh): node, OpenCV, disk, TensorRT, systemd;
 *   3. the bundle laid out for that device and copied (scp), install.sh run there;
 *   4. the device's retained `online` status awaited on MQTT.
 * Nothing is copied before 1 and 2 pass; install.sh swaps the code in only once it is complete.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import { defineCommand, EXIT, UsageError } from '../cli/command.ts';
import { checkAgentConfig, ensureAgentBundle, packageRoot, type CheckedConfig } from '../flash/app-build.ts';
import { buildBundle, checkPublicKey, writeTarball } from '../flash/bundle.ts';
import { captureWarnings, checkInstallResult, needsSudo, probeDevice, shellQuote, type DeviceInfo } from '../flash/device.ts';
import { scpTo, sshFailure, sshRun, type SshTarget } from '../flash/ssh.ts';
import { watchOnline, type BrokerOptions, type OnlineStatus } from '../flash/wait-online.ts';
import { brokerOptions as fleetBrokerOptions } from '../deploy/cli-options.ts';

export const flashCommand = defineCommand({
  name: 'flash',
  summary: 'install the agent on a device over SSH (or --out: an offline installer with install.sh)',
  details: `ssh runs with BatchMode (no prompts: use a key or ssh-agent, never a password) and strict
host key checking unless you say otherwise (--known-hosts, --ssh-option StrictHostKeyChecking=accept-new).
The MQTT password for waiting on the device's status comes from ARCEDGE_MQTT_PASSWORD.
Examples:
  arcedge flash --host root@jetson.local --config agent.yaml --keys keys/public.pem
  arcedge flash --config agent.yaml --keys keys/public.pem --out arcedge-agent.tar.gz`,
  options: {
    host: { type: 'string', valueName: 'user@device', description: 'the device to install on (ssh destination)' },
    port: { type: 'string', valueName: 'N', description: 'ssh port (default: 22 or ~/.ssh/config)' },
    identity: { type: 'string', valueName: 'key', description: 'ssh private key file (default: ssh-agent and ~/.ssh)' },
    'known-hosts': { type: 'string', valueName: 'file', description: 'known_hosts file holding the device host key (strict checking)' },
    'ssh-option': { type: 'string', multiple: true, valueName: 'Key=Value', description: 'extra ssh -o option' },
    config: { type: 'string', valueName: 'agent.yaml', description: 'agent config to install (checked here first); default: keep the device\'s' },
    dir: { type: 'string', default: '/opt/arcedge', valueName: 'dir', description: 'install folder on the device' },
    keys: { type: 'string', multiple: true, valueName: 'public.pem', description: 'trusted public key for model packages' },
    'gallery-key-file': { type: 'string', valueName: 'file', description: 'a 0600 file with the gallery encryption key: installed root-only, given to the service with systemd LoadCredential=' },
    node: { type: 'string', valueName: 'path', description: 'node on the device (default: the one on its PATH)' },
    broker: { type: 'string', valueName: 'url', description: 'MQTT broker as this machine reaches it (default: the config\'s mqtt.url)' },
    'broker-user': { type: 'string', valueName: 'name', description: 'MQTT user name for --broker' },
    'broker-ca': { type: 'string', valueName: 'file', description: 'CA certificate (PEM) for an mqtts:// broker' },
    'no-service': { type: 'boolean', description: 'do not install or start the systemd service (the unit file is still written)' },
    'no-wait': { type: 'boolean', description: 'do not wait for the device to report online' },
    timeout: { type: 'string', default: '180', valueName: 'seconds', description: 'how long to wait for online (restarted when the agent reports starting)' },
    'build-timeout': { type: 'string', default: '1800', valueName: 'seconds', description: 'how long to wait once the agent reports building (first-start TensorRT engine builds)' },
    out: { type: 'string', valueName: 'bundle.tar.gz', description: 'write an offline installer instead of flashing' },
  },
  positionals: { max: 0 },
  run: async ({ values, json }) => {
    if (!values.host && !values.out) throw new UsageError('give --host user@device, or --out bundle.tar.gz');
    if (values.host && values.out) throw new UsageError('--host and --out are exclusive');
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UsageError(`--port must be 1-65535, got ${values.port}`);
    // The path goes into a systemd unit and shell scripts unquoted-safe: absolute, no spaces or quotes.
    if (!/^\/[A-Za-z0-9._/+-]+$/.test(values.dir)) throw new UsageError(`--dir must be an absolute path of letters, digits and . _ / + -, got ${values.dir}`);
    const timeoutSec = Number(values.timeout);
    if (!(timeoutSec > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
    const buildTimeoutSec = Number(values['build-timeout']);
    if (!(buildTimeoutSec > 0)) throw new UsageError(`--build-timeout must be a positive number of seconds, got ${values['build-timeout']}`);
    const say = (line: string): void => void (json ? process.stderr.write(`${line}\n`) : console.error(line));

    const root = packageRoot();
    const bundleState = ensureAgentBundle(root, say);
    const configFile = values.config ? resolve(values.config) : undefined;
    const config = configFile ? checkAgentConfig(root, configFile) : undefined;
    if (config) say(`config ${configFile}: valid (device ${config.device.id})`);
    const keys = values.keys.map((k) => resolve(k));
    for (const key of keys) checkPublicKey(key); // before anything reaches the device
    const galleryKeyFile = values['gallery-key-file'] ? resolve(values['gallery-key-file']) : undefined;
    const staging = mkdtempSync(join(tmpdir(), 'arcedge-flash-'));
    try {
      if (values.out) {
        const out = resolve(values.out);
        const report = await buildBundle({ root, staging, ...(configFile ? { configFile } : {}), keys, ...(galleryKeyFile ? { galleryKeyFile } : {}), say });
        await writeTarball(staging, out, 6);
        const result = { out, bytes: statSync(out).size, bundle: bundleState, nativePrebuilt: report.nativePrebuilt, opencvPrebuilt: report.opencvPrebuilt ?? null };
        if (json) console.log(JSON.stringify(result, null, 2));
        else console.log(`wrote ${out} (${(result.bytes / 1e6).toFixed(1)} MB): on the device, \`tar -xzf ${values.out} -C <tmp> && sudo sh <tmp>/install.sh --dir ${values.dir}\``);
        return EXIT.OK;
      }
      const target: SshTarget = { host: values.host!, ...(port ? { port } : {}), ...(values.identity ? { identity: values.identity } : {}), ...(values['known-hosts'] ? { knownHosts: values['known-hosts'] } : {}), options: values['ssh-option'] };
      return await flash({ target, staging, root, configFile, config, keys, ...(galleryKeyFile ? { galleryKeyFile } : {}), dir: values.dir, node: values.node, service: !values['no-service'], wait: !values['no-wait'], timeoutMs: timeoutSec * 1000, buildTimeoutMs: buildTimeoutSec * 1000, broker: brokerOptions(values, config, values.host!), json, say });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  },
});

interface FlashPlan {
  readonly target: SshTarget;
  readonly staging: string;
  readonly root: string;
  readonly configFile: string | undefined;
  readonly config: CheckedConfig | undefined;
  readonly keys: string[];
  readonly galleryKeyFile?: string;
  readonly dir: string;
  readonly node: string | undefined;
  readonly service: boolean;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly buildTimeoutMs: number;
  readonly broker: BrokerOptions | string;
  readonly json: boolean;
  readonly say: (line: string) => void;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/;

/** Where this machine reaches the device's broker, or why it cannot tell. */
function brokerOptions(values: { broker?: string; 'broker-user'?: string; 'broker-ca'?: string }, config: CheckedConfig | undefined, host: string): BrokerOptions | string {
  const sshHost = host.slice(host.lastIndexOf('@') + 1);
  let url = values.broker;
  if (!url && config?.mqtt.url) {
    const parsed = new URL(config.mqtt.url);
    if (LOOPBACK.test(parsed.hostname) && !LOOPBACK.test(sshHost)) parsed.hostname = sshHost; // the device's own broker
    url = parsed.toString();
  }
  if (!url && config && !LOOPBACK.test(config.mqtt.embedded.host)) url = `mqtt://${sshHost}:${config.mqtt.embedded.port}`;
  if (!url) return config ? `the config's embedded broker listens on ${config.mqtt.embedded.host} on the device only; pass --broker to wait for it` : 'no --config and no --broker: the device id and broker are unknown';
  // The fleet commands' builder: the password from $ARCEDGE_MQTT_PASSWORD, the CA checked.
  return fleetBrokerOptions({ broker: url, username: values['broker-user'], 'password-file': undefined, ca: values['broker-ca'], cert: undefined, key: undefined, insecure: false });
}

async function flash(plan: FlashPlan): Promise<number> {
  const { target, say } = plan;
  const since = new Date();
  const installScript = readFileSync(join(plan.root, 'tools', 'flash', 'install.sh'), 'utf8');
  // 400 MB: the unpacked app (~110 MB), its tarball, and an OpenCV compile's objects if it comes to that.
  const device: DeviceInfo = await probeDevice(target, installScript, { dir: plan.dir, needKb: 400_000, ...(plan.node ? { node: plan.node } : {}) });
  say(`device ${target.host}: node ${device.nodeVersion} (${device.key}), OpenCV ${device.opencvVersion ?? '?'}, TensorRT ${device.tensorrt ? 'present' : 'absent'}, systemd ${device.systemd ? 'running' : 'not running'}, ${(device.freeKb / 1e6).toFixed(1)} GB free`);
  for (const line of captureWarnings(device)) say(`WARNING: ${line}`);
  if (!device.cxx20) say('WARNING: no C++20 compiler on the device: any native module built there (better-sqlite3) will fail; on JetPack 5 `sudo apt-get install g++-10`');

  if (!plan.configFile && !device.hasConfig) {
    throw new ArcEdgeError('CONFIG_INVALID', `${target.host} has no agent config at ${plan.dir}/data/agent.yaml and none was given; nothing was copied`, {
      fix: 'pass --config <agent.yaml> (docs/agent-config.md); later installs keep the device\'s config when --config is left out',
    });
  }
  const sudo = needsSudo(target.host, device, plan.dir, plan.service) ? 'sudo -n ' : '';
  const report = await buildBundle({ root: plan.root, staging: plan.staging, ...(plan.configFile ? { configFile: plan.configFile } : {}), keys: plan.keys, ...(plan.galleryKeyFile ? { galleryKeyFile: plan.galleryKeyFile } : {}), device, say });
  const tarball = `${plan.staging}.tar.gz`;
  await writeTarball(plan.staging, tarball, 1);
  const watch = plan.wait && plan.config && typeof plan.broker !== 'string' ? watchOnline(plan.broker, plan.config.device.id, since) : undefined;
  let online: OnlineStatus | undefined;
  let service = 'not-installed';
  let tensorrt = 'skipped';
  try {
    say(`copying ${(statSync(tarball).size / 1e6).toFixed(1)} MB to ${target.host}`);
    const made = await sshRun(target, 'mktemp -d /tmp/arcedge-flash.XXXXXX');
    if (made.code !== 0) throw sshFailure(target, made, 'making a temporary folder');
    const remoteTmp = made.stdout.trim();
    await scpTo(target, tarball, `${remoteTmp}/bundle.tar.gz`).catch(async (error: unknown) => {
      await sshRun(target, `rm -rf ${shellQuote(remoteTmp)}`).catch(() => {}); // best effort: leave no half copy behind
      throw error;
    });
    // The node the probe found as the ssh user: under sudo, PATH is sudo's secure_path.
    const args = ['--dir', shellQuote(plan.dir), ...(plan.service ? [] : ['--no-service']), '--node', shellQuote(device.node)];
    const t = shellQuote(remoteTmp);
    const command = `cd ${t} && tar -xzf bundle.tar.gz && rm bundle.tar.gz && ${sudo}sh ./install.sh ${args.join(' ')}; rc=$?; ${sudo}rm -rf ${t}; exit $rc`;
    const result = await sshRun(target, command, { onLine: (line) => !line.startsWith('ARCEDGE_') && say(`  ${line}`) });
    checkInstallResult(target, result, 'installing');
    service = /^ARCEDGE_SERVICE (\S+)/m.exec(result.stdout)?.[1] ?? service;
    tensorrt = /^ARCEDGE_TENSORRT (\S+)/m.exec(result.stdout)?.[1] ?? tensorrt;
    if (service !== 'started') say(`no service was started: start the agent on the device with ${plan.dir}/bin/arcedge-agent`);
    if (watch) {
      say(`waiting up to ${plan.timeoutMs / 1000} s for ${plan.config!.device.id} to report online on ${(plan.broker as BrokerOptions).url}`);
      online = await watch.wait(plan.timeoutMs, {
        buildTimeoutMs: plan.buildTimeoutMs,
        onAlive: (state, detail) =>
          say(state === 'building'
            ? `${plan.config!.device.id} is building TensorRT engines${detail ? ` (${detail})` : ''}: waiting up to ${plan.buildTimeoutMs / 1000} s more`
            : `${plan.config!.device.id} started, loading models${detail ? ` (${detail})` : ''}`),
      });
      say(`${online.device} is online (agent ${online.version ?? '?'}) after ${online.seconds.toFixed(1)} s`);
    } else if (plan.wait) say(`not waiting for online: ${typeof plan.broker === 'string' ? plan.broker : 'no config'}`);
  } finally {
    await watch?.close();
    rmSync(tarball, { force: true });
  }
  const summary = { host: target.host, dir: plan.dir, device: device.key, node: device.nodeVersion, opencv: device.opencvVersion ?? null, tensorrt, nativePrebuilt: report.nativePrebuilt, opencvPrebuilt: report.opencvPrebuilt ?? null, service, online: online ?? null };
  if (plan.json) console.log(JSON.stringify(summary, null, 2));
  else console.log(`installed on ${target.host}:${plan.dir} (service: ${service}${online ? `, online after ${online.seconds.toFixed(1)} s` : ''})`);
  return EXIT.OK;
}
