/**
 * Lays out what goes onto a device: the agent's rollup bundle, its node_modules, the native
 * modules and OpenCV binding built on this machine (when they can load on the device), the
 * config, trusted keys and install.sh. `arcedge flash` copies it over SSH; `--out` tars it.
 *
 *   app/                 package root on the device: package.json, dist/bin, models/sets,
 *                        sdk/native/tensorrt sources, node_modules (pure JS + onnxruntime-node)
 *   native/<key>/        better-sqlite3 built here, <key> = linux-<arch>-node<ABI>
 *   opencv/<binding key> this machine's @u4/opencv4nodejs build, laid out as $ARCEDGE_HOME/opencv
 *   config/agent.yaml    keys/*.pem    install.sh
 *
 * Native builds are shipped only for a device with the same CPU architecture and Node ABI (and
 * OpenCV major.minor, when known); install.sh still loads each one on the device before using
 * it and builds there when it does not load, so a wrong guess costs time, never a broken install.
 */
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { chmodSync, copyFileSync, cpSync, createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { isScalar, isSeq, parseDocument } from 'yaml';
import { createPublicKey as parsePublicKey } from 'node:crypto';
import { ArcEdgeError } from '../../sdk/index.ts';
import { findOpenCVBinding, OPENCV_BINDING_PACKAGE, OPENCV_BINDING_VERSION } from '../../sdk/internal.ts';
import { probeBinding } from '../setup/build-binding.ts';
import { copyPackages, packageClosure } from './node-modules.ts';
import type { DeviceInfo } from './device.ts';

/**
 * The agent's (and `arcedge setup`'s) pure-JS runtime dependencies, plus onnxruntime-node (its
 * binaries for every platform are inside the npm package). Not shipped: what only host commands
 * load (onnx-proto for quantize, 44 MB with protobufjs; vega, resvg for reports).
 */
const APP_PACKAGES = ['aedes', 'mqtt', 'yaml', 'zod', 'cli-progress', 'onnxruntime-node', 'hono', '@hono/node-server'];
/** Compiled per Node ABI and CPU: shipped when they match, else built on the device. */
const NATIVE_PACKAGES = ['better-sqlite3'];

export const hostNativeKey = (): string => `linux-${process.arch}-node${process.versions.modules}`;
export const bindingKey = (arch: string, abi: string): string => `opencv4nodejs-${OPENCV_BINDING_VERSION}-node${abi}-linux-${arch}`;

export interface BundleOptions {
  /** The arcedge package root (holds package.json and dist/bin). */
  readonly root: string;
  readonly staging: string;
  readonly configFile?: string;
  readonly keys: readonly string[];
  /** A 0600 file holding the gallery key: installed root-only and handed to the service as a systemd credential. */
  readonly galleryKeyFile?: string;
  /** The probed device (flash); undefined for an offline installer (--out). */
  readonly device?: DeviceInfo;
  readonly say: (line: string) => void;
}

export interface BundleReport {
  readonly nativePrebuilt: boolean;
  readonly opencvPrebuilt: string | undefined;
}

export async function buildBundle(options: BundleOptions): Promise<BundleReport> {
  const { root, staging, device, say } = options;
  const app = join(staging, 'app');
  mkdirSync(app, { recursive: true });
  cpSync(join(root, 'dist', 'bin'), join(app, 'dist', 'bin'), { recursive: true });
  // The device web UI's pages (agent/web/ui/assets.ts serves dist/web in an installed package).
  cpSync(join(root, 'dist', 'web'), join(app, 'dist', 'web'), { recursive: true });
  cpSync(join(root, 'models'), join(app, 'models'), { recursive: true });
  const trt = join(root, 'sdk', 'native', 'tensorrt');
  for (const part of ['binding.gyp', 'build.sh', 'src']) cpSync(join(trt, part), join(app, 'sdk', 'native', 'tensorrt', part), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', private: true, description: 'installed by arcedge flash', dependencies: pkg.dependencies }, null, 2)}\n`);

  const arches = device ? [`linux/${device.arch}`] : ['linux/x64', 'linux/arm64'];
  copyPackages(root, packageClosure(root, APP_PACKAGES), join(app, 'node_modules'), { onnxruntimeTargets: arches });
  // The TensorRT addon's build (on a device with TensorRT) needs node-addon-api's headers.
  if (!device || device.tensorrt) cpSync(join(root, 'node_modules', 'node-addon-api'), join(app, 'node_modules', 'node-addon-api'), { recursive: true });

  const hostKey = hostNativeKey();
  const nativePrebuilt = process.platform === 'linux' && (!device || device.key === hostKey);
  if (nativePrebuilt) copyPackages(root, packageClosure(root, NATIVE_PACKAGES), join(staging, 'native', hostKey, 'node_modules'));
  else say(`native modules: this machine is ${hostKey}, the device ${device?.key}: better-sqlite3 will be built on the device`);

  const opencvPrebuilt = await addOpenCVBinding(staging, device, say);

  if (options.configFile) {
    mkdirSync(join(staging, 'config'), { recursive: true });
    copyFileSync(options.configFile, join(staging, 'config', 'agent.yaml'));
    chmodSync(join(staging, 'config', 'agent.yaml'), 0o600);
  }
  mkdirSync(join(staging, 'keys'), { recursive: true });
  const keyNames = options.keys.map((key) => addKey(staging, key));
  if (options.configFile && keyNames.length > 0) trustKeys(join(staging, 'config', 'agent.yaml'), keyNames, say);

  if (options.galleryKeyFile) addGalleryKey(staging, options.galleryKeyFile, say);

  const script = readFileSync(join(root, 'tools', 'flash', 'install.sh'), 'utf8')
    .replaceAll('@BETTER_SQLITE3_VERSION@', pkg.dependencies['better-sqlite3'] ?? 'latest')
    .replaceAll('@OPENCV_BINDING_VERSION@', OPENCV_BINDING_VERSION);
  writeFileSync(join(staging, 'install.sh'), script, { mode: 0o755 });
  return { nativePrebuilt, opencvPrebuilt };
}

/** Public keys only: a private key never leaves this machine, even by mistake. Returns the PEM. */
export function checkPublicKey(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArcEdgeError('CONFIG_INVALID', `cannot read the key ${file}: ${(error as Error).message}`, { cause: error, fix: 'pass the public.pem written by `arcedge keys generate`' });
  }
  if (/PRIVATE KEY/.test(text)) {
    throw new ArcEdgeError('CONFIG_INVALID', `${file} is a private key; a device needs only the public key`, { fix: 'pass the public.pem that `arcedge keys generate` wrote next to private.pem' });
  }
  try {
    parsePublicKey(text);
  } catch (error) {
    throw new ArcEdgeError('CONFIG_INVALID', `${file} is not a PEM public key: ${(error as Error).message}`, { cause: error, fix: 'pass the public.pem written by `arcedge keys generate`' });
  }
  return text;
}

function addKey(staging: string, file: string): string {
  const text = checkPublicKey(file);
  const name = basename(file).endsWith('.pem') ? basename(file) : `${basename(file)}.pem`;
  writeFileSync(join(staging, 'keys', name), text, { mode: 0o600 });
  return name;
}

/**
 * The keys passed with --keys become the device's trusted keys: without this the agent would
 * refuse every package until someone edited deploy.trustedKeys by hand. install.sh puts the
 * config at <dir>/data/agent.yaml and the keys in <dir>/data/keys/, so the paths are keys/<name>
 * (relative to the config file). Keys the config already lists stay; comments are kept.
 */
function trustKeys(configFile: string, names: readonly string[], say: (line: string) => void): void {
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  const listed = doc.getIn(['deploy', 'trustedKeys']);
  const current = isSeq(listed) ? listed.items.map((item) => String(isScalar(item) ? item.value : item)) : [];
  const wanted = [...current, ...names.map((n) => `keys/${n}`).filter((path) => !current.includes(path))];
  if (wanted.length === current.length) return;
  doc.setIn(['deploy', 'trustedKeys'], wanted);
  writeFileSync(configFile, doc.toString(), { mode: 0o600 });
  say(`config: deploy.trustedKeys = ${wanted.join(', ')}`);
}

/**
 * This machine's compiled OpenCV binding, when the device can load it (same arch and ABI, and
 * the same OpenCV major.minor when the device's version is known): saves the device a compile
 * of minutes (tens of minutes on a Jetson Nano). install.sh loads it before trusting it.
 */
async function addOpenCVBinding(staging: string, device: DeviceInfo | undefined, say: (line: string) => void): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  if (device && device.key !== hostNativeKey()) return undefined;
  for (const candidate of findOpenCVBinding().filter((c) => c.compiled)) {
    const probe = await probeBinding(candidate.packageDir);
    if (!probe.ok) continue;
    const majorMinor = (v: string) => v.split('.').slice(0, 2).join('.');
    if (device?.opencvVersion && majorMinor(device.opencvVersion) !== majorMinor(probe.version)) {
      say(`OpenCV: this machine's binding is for OpenCV ${probe.version}, the device has ${device.opencvVersion}: it will be built on the device`);
      return undefined;
    }
    const marker = `${sep}node_modules${sep}`;
    const modulesRoot = candidate.packageDir.slice(0, candidate.packageDir.lastIndexOf(marker));
    const key = bindingKey(process.arch, process.versions.modules);
    copyPackages(modulesRoot, packageClosure(modulesRoot, [OPENCV_BINDING_PACKAGE]), join(staging, 'opencv', key, 'node_modules'));
    say(`OpenCV: shipping this machine's binding (OpenCV ${probe.version}); the device loads it before using it`);
    return probe.version;
  }
  return undefined;
}

/**
 * A .tar.gz of the staging folder: system tar (owner, modes, links as tar keeps them) piped
 * through zlib. Level 1 for flash (the copy is gone in seconds; level 6 costs ~3x the CPU for
 * ~10% less on these mostly-binary files), level 6 for an installer that is kept and shared.
 */
export async function writeTarball(staging: string, out: string, level: number): Promise<void> {
  const tar = spawn('tar', ['-cf', '-', '-C', staging, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
  try {
    await pipeline(tar.stdout, createGzip({ level }), createWriteStream(out));
  } catch (error) {
    throw new ArcEdgeError('STORAGE_WRITE_FAILED', `writing ${out} failed: ${(error as Error).message}`, { cause: error, fix: `check that ${out}'s folder exists, is writable and has free space` });
  }
  const code = await exited;
  if (code !== 0) throw new ArcEdgeError('STORAGE_WRITE_FAILED', `tar of ${staging} failed (exit ${code}): ${stderr.trim()}`, { fix: 'check free space in the temporary folder (TMPDIR)' });
}

/**
 * The gallery key for the device (`--gallery-key-file`): checked here (0600, long enough), shipped
 * as credentials/gallery-key; install.sh keeps it root-only and wires LoadCredential=.
 */
export function addGalleryKey(staging: string, file: string, say: (line: string) => void): void {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (error) {
    throw new ArcEdgeError('CONFIG_INVALID', `cannot read the gallery key file ${file}: ${(error as Error).message}`, { cause: error, fix: 'create it: (umask 077; head -c 32 /dev/urandom | base64 > gallery.key)' });
  }
  if ((mode & 0o077) !== 0) throw new ArcEdgeError('CONFIG_INVALID', `the gallery key file ${file} has mode 0${mode.toString(8)}`, { fix: `chmod 600 ${file}` });
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 8) throw new ArcEdgeError('CONFIG_INVALID', `the gallery key in ${file} is shorter than 8 characters`, { fix: 'use a long random key: head -c 32 /dev/urandom | base64' });
  mkdirSync(join(staging, 'credentials'), { recursive: true, mode: 0o700 });
  writeFileSync(join(staging, 'credentials', 'gallery-key'), `${key}\n`, { mode: 0o600 });
  say('gallery key: shipped as a systemd credential (LoadCredential=gallery-key on the device)');
}
