/**
 * What `arcedge flash` learns about a device before copying anything, and how install.sh's
 * failures become errors with a fix. The probe is install.sh itself (`--check`, piped to `sh -s`
 * over SSH), so the offline installer and flash check the same things the same way.
 */
import { ArcEdgeError } from '../../sdk/index.ts';
import { sshFailure, sshRun, type RunResult, type SshTarget } from './ssh.ts';

export interface DeviceInfo {
  readonly node: string;
  readonly nodeVersion: string;
  readonly arch: string;
  readonly abi: string;
  /** linux-<arch>-node<ABI>: native modules built for one key load on any device with it. */
  readonly key: string;
  readonly opencvLib: string;
  readonly opencvVersion: string | undefined;
  /** NvInfer.h path when TensorRT's headers are installed. */
  readonly tensorrt: string | undefined;
  readonly systemd: boolean;
  readonly freeKb: number;
  readonly root: boolean;
  readonly npm: string | undefined;
  /** Whether <dir>/data/agent.yaml exists (an earlier install's config, kept without --config). */
  readonly hasConfig: boolean;
  /** Whether the ssh user can create the install folder. */
  readonly writable: boolean;
  /** Whether `sudo -n` works for the ssh user (passwordless sudo). */
  readonly sudo: boolean;
  /** The compiler that accepts -std=gnu++20 (empty: none; native builds on the device fail). */
  readonly cxx20: string | undefined;
  /** Capture programs the agent runs, by path (undefined: missing). */
  readonly ffmpeg: string | undefined;
  readonly ffprobe: string | undefined;
  readonly gstLaunch: string | undefined;
  /** JetPack's GStreamer elements found (nvarguscamerasrc, nvv4l2decoder, nvvidconv). */
  readonly gstNvidia: readonly string[];
}

const MIN_NODE = '20.15';
const APT_OPENCV = 'sudo apt-get install -y libopencv-dev build-essential python3';

/** install.sh's `ARCEDGE_ERROR <CODE> <message>` codes -> the error users see. */
function installError(code: string, message: string, host: string): ArcEdgeError {
  switch (code) {
    case 'NODE_MISSING':
    case 'NODE_TOO_OLD':
      return new ArcEdgeError('DEVICE_NODE_MISSING', `${host}: ${message}`, {
        fix: `install Node.js >= ${MIN_NODE} on the device (NodeSource's apt repository, or the official tarball for its CPU from nodejs.org); if it is installed outside the PATH a non-login ssh session sees (nvm), pass --node <path on the device>`,
      });
    case 'OPENCV_MISSING':
      return new ArcEdgeError('DEVICE_OPENCV_MISSING', `${host}: ${message}`, {
        fix: `install OpenCV on the device: \`${APT_OPENCV}\` (Debian/Ubuntu; on a Jetson the same line installs JetPack's OpenCV from NVIDIA's apt repository)`,
      });
    case 'DISK_FULL':
      return new ArcEdgeError('DEVICE_DISK_FULL', `${host}: ${message}`, { fix: 'free space on the device (`df -h`; `sudo apt-get clean`, old logs), or install elsewhere with --dir' });
    case 'CONFIG_MISSING':
      return new ArcEdgeError('CONFIG_INVALID', `${host}: ${message}`, { fix: 'pass --config <agent.yaml> (docs/agent-config.md); later installs keep the device\'s config when --config is left out' });
    case 'NPM_MISSING':
      return new ArcEdgeError('DEVICE_INSTALL_FAILED', `${host}: ${message}`, { fix: 'install npm on the device (it comes with Node.js from NodeSource), or flash from a host with the same CPU architecture and Node.js version so nothing is built there' });
    case 'CXX20_MISSING':
      return new ArcEdgeError('DEVICE_INSTALL_FAILED', `${host}: ${message}`, {
        fix: 'install a C++20 compiler on the device: `sudo apt-get install g++-10` on JetPack 5 / Ubuntu 20.04 (install.sh then uses it), or set CXX; or flash from a host with the same CPU architecture and Node.js version so nothing is built there',
      });
    case 'GPU_NOT_VISIBLE':
      return new ArcEdgeError('DEVICE_INSTALL_FAILED', `${host}: ${message}`, {
        fix: 'check the device nodes the service user needs: `ls -l /dev/nvhost* /dev/nvmap /dev/dri` (groups video and render), `groups arcedge`; on JetPack 6 the CUDA nodes belong to render. Then flash again',
      });
    default:
      return new ArcEdgeError('DEVICE_INSTALL_FAILED', `${host}: install.sh failed: ${code} ${message}`, { fix: 'read the install output above; fix the cause on the device and run `arcedge flash` again (it is safe to repeat)' });
  }
}

/** Throws the install.sh error the output names, or an ssh failure; returns when it succeeded. */
export function checkInstallResult(target: SshTarget, result: RunResult, doing: string): void {
  const error = /^ARCEDGE_ERROR (\S+) (.*)$/m.exec(result.stdout);
  if (error) throw installError(error[1]!, error[2]!, target.host);
  if (result.code === 255) throw sshFailure(target, result, doing);
  if (result.code !== 0) {
    throw new ArcEdgeError('DEVICE_INSTALL_FAILED', `${target.host}: ${doing} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-5).join('\n')}`, {
      fix: 'read the install output above; fix the cause on the device and run `arcedge flash` again (it is safe to repeat)',
    });
  }
}

/** Runs install.sh --check on the device. */
export async function probeDevice(target: SshTarget, installScript: string, options: { dir: string; needKb: number; node?: string }): Promise<DeviceInfo> {
  const args = ['--check', '--dir', shellQuote(options.dir), '--need-kb', String(options.needKb), ...(options.node ? ['--node', shellQuote(options.node)] : [])];
  const result = await sshRun(target, `sh -s -- ${args.join(' ')}`, { stdin: installScript });
  checkInstallResult(target, result, 'probing the device');
  const kv = new Map<string, string>();
  for (const m of result.stdout.matchAll(/^ARCEDGE_PROBE ([a-z_]+)=(.*)$/gm)) kv.set(m[1]!, m[2]!);
  const get = (k: string): string => kv.get(k) ?? '';
  if (!kv.has('key')) {
    throw new ArcEdgeError('DEVICE_INSTALL_FAILED', `${target.host}: the device probe printed nothing usable: ${result.stdout.slice(-500)}${result.stderr.slice(-500)}`, {
      fix: 'check that the device has a POSIX /bin/sh and that `ssh <host> sh -s` runs commands',
    });
  }
  return {
    node: get('node'),
    nodeVersion: get('node_version'),
    arch: get('arch'),
    abi: get('abi'),
    key: get('key'),
    opencvLib: get('opencv_lib'),
    opencvVersion: get('opencv_version') || undefined,
    tensorrt: get('tensorrt') || undefined,
    systemd: get('systemd') === '1',
    freeKb: Number(get('free_kb')),
    root: get('uid') === '0',
    npm: get('npm') || undefined,
    hasConfig: get('config') === '1',
    writable: get('writable') === '1',
    sudo: get('sudo') === '1',
    cxx20: get('cxx20') || undefined,
    ffmpeg: get('ffmpeg') || undefined,
    ffprobe: get('ffprobe') || undefined,
    gstLaunch: get('gst') || undefined,
    gstNvidia: get('gst_nv').split(',').filter(Boolean),
  };
}

/**
 * What the device lacks for capture, one line each (warnings: a device may use only some source
 * kinds). Jetson hardware decode and CSI cameras are GStreamer's nv* elements; Ubuntu's ffmpeg
 * decodes on the CPU only there.
 */
export function captureWarnings(device: DeviceInfo): string[] {
  const lines: string[] = [];
  if (!device.ffmpeg) lines.push('no ffmpeg on the device: file/rtsp/v4l2 cameras with decoder software cannot start (sudo apt-get install ffmpeg)');
  if (!device.ffprobe) lines.push('no ffprobe on the device: cameras without width/height cannot be probed (it comes with ffmpeg)');
  if (!device.gstLaunch) lines.push('no gst-launch-1.0 on the device: csi:// and decoder jetson cameras cannot start (sudo apt-get install gstreamer1.0-tools)');
  else if (device.tensorrt) {
    const missing = ['nvarguscamerasrc', 'nvv4l2decoder', 'nvvidconv'].filter((e) => !device.gstNvidia.includes(e));
    if (missing.length) lines.push(`GStreamer lacks ${missing.join(', ')}: csi:// and decoder jetson need JetPack's GStreamer plugins (sudo apt-get install nvidia-l4t-gstreamer)`);
  }
  return lines;
}

/** Single-quotes a word for the remote shell (ssh joins its arguments into one command line). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Whether install.sh must run under `sudo -n`: a folder the ssh user cannot write, or a systemd
 * service to install. Throws when that is needed and sudo would ask for a password.
 */
export function needsSudo(host: string, device: DeviceInfo, dir: string, service: boolean): boolean {
  if (device.root) return false;
  const why = !device.writable ? `${dir} is not writable by this user` : service && device.systemd ? 'installing the systemd service needs root' : undefined;
  if (!why) return false;
  if (device.sudo) return true;
  throw new ArcEdgeError('DEVICE_INSTALL_FAILED', `${host}: ${why}, and \`sudo -n\` asks for a password (flash never types one)`, {
    fix: `ssh in as root, or allow passwordless sudo for this user (a sudoers.d entry), or install into a folder the user owns with --dir ~/arcedge --no-service`,
  });
}
