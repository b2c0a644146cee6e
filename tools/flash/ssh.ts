/**
 * The one door to the device for `arcedge flash`: the system OpenSSH client (`ssh`, `scp`) run
 * through child_process. OpenSSH already does what matters here (the user's keys and agent,
 * ~/.ssh/config, known_hosts, jump hosts), so flash adds nothing of its own to authentication.
 *
 * BatchMode=yes: ssh never prompts (no password or passphrase typed into a hidden prompt, no
 * "trust this host key?" question); a missing key or an unknown host key fails at once with a
 * message we can turn into a fix. Host key checking stays strict unless the user says otherwise
 * (--known-hosts, or --ssh-option StrictHostKeyChecking=accept-new). Passwords are never accepted
 * on the command line: use a key (ssh-copy-id) or an ssh-agent.
 */
import { spawn } from 'node:child_process';
import { ArcEdgeError } from '../../sdk/index.ts';

export interface SshTarget {
  /** user@host or host (then ~/.ssh/config or the local user name decides the user). */
  readonly host: string;
  readonly port?: number;
  /** Private key file (ssh -i). */
  readonly identity?: string;
  /** A known_hosts file to check the device's host key against (instead of ~/.ssh/known_hosts). */
  readonly knownHosts?: string;
  /** Extra `-o Key=Value` options, passed as given. */
  readonly options?: readonly string[];
  readonly connectTimeoutSec?: number;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function commonOptions(target: SshTarget): string[] {
  const o = ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${target.connectTimeoutSec ?? 15}`];
  if (target.knownHosts) o.push('-o', `UserKnownHostsFile=${target.knownHosts}`, '-o', 'StrictHostKeyChecking=yes');
  if (target.identity) o.push('-i', target.identity, '-o', 'IdentitiesOnly=yes');
  for (const option of target.options ?? []) o.push('-o', option);
  return o;
}

/** ssh args for a remote command; the port flag differs between ssh (-p) and scp (-P). */
export function sshArgs(target: SshTarget, remoteCommand: string): string[] {
  return [...commonOptions(target), ...(target.port ? ['-p', String(target.port)] : []), '--', target.host, remoteCommand];
}

/** Runs a command on the device; `onLine` sees its output line by line as it arrives. */
export function sshRun(target: SshTarget, remoteCommand: string, options: { stdin?: string; onLine?: (line: string) => void } = {}): Promise<RunResult> {
  return runChild('ssh', sshArgs(target, remoteCommand), options);
}

/** Copies one local file to a path on the device. */
export async function scpTo(target: SshTarget, localFile: string, remotePath: string): Promise<void> {
  const args = [...commonOptions(target), ...(target.port ? ['-P', String(target.port)] : []), '-q', '--', localFile, `${scpHost(target.host)}:${remotePath}`];
  const result = await runChild('scp', args, {});
  if (result.code !== 0) throw sshFailure(target, result, `copying ${localFile} to ${remotePath}`);
}

/** scp needs an IPv6 literal in brackets. */
function scpHost(host: string): string {
  const at = host.lastIndexOf('@');
  const name = host.slice(at + 1);
  return name.includes(':') && !name.startsWith('[') ? `${host.slice(0, at + 1)}[${name}]` : host;
}

function runChild(command: string, args: string[], options: { stdin?: string; onLine?: (line: string) => void }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const lines = (chunk: string): void => {
      if (!options.onLine) return;
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        options.onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    };
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      lines(c.toString());
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      lines(c.toString());
    });
    child.on('error', (error) =>
      reject(new ArcEdgeError('DEVICE_UNREACHABLE', `cannot run ${command}: ${error.message}`, { cause: error, fix: 'install the OpenSSH client (apt-get install openssh-client)' })),
    );
    child.on('close', (code) => {
      if (pending && options.onLine) options.onLine(pending);
      resolve({ code: code ?? 255, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * ssh exits 255 for its own failures (connection, authentication, host key); anything else is
 * the remote command's status. The fix depends on which of ssh's messages it printed.
 */
export function sshFailure(target: SshTarget, result: RunResult, doing: string): ArcEdgeError {
  const text = result.stderr.trim().split('\n').filter((l) => !/^Warning: Permanently added/.test(l)).slice(-4).join('\n');
  const where = `${target.host}${target.port ? ` port ${target.port}` : ''}`;
  const port = target.port ? ` -p ${target.port}` : '';
  let fix = `check that \`ssh${port} ${target.host} true\` works from this machine without a prompt`;
  if (/Permission denied|Too many authentication failures|no such identity/i.test(text)) {
    fix = `install your public key on the device (\`ssh-copy-id${port} ${target.host}\`), or pass --identity <private key>; passwords are not accepted (BatchMode): use a key or ssh-agent`;
  } else if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(text)) {
    fix = `check the device's host key fingerprint, then add it: \`ssh-keyscan${port} <host> >> ~/.ssh/known_hosts\` (or pass --known-hosts <file>, or --ssh-option StrictHostKeyChecking=accept-new on a network you trust)`;
  } else if (/Connection refused|Connection timed out|No route to host|Could not resolve hostname|Network is unreachable|Operation timed out/i.test(text)) {
    fix = `check the address and port, that the device is on and sshd runs (\`systemctl status ssh\` on it), and any firewall in between`;
  }
  return new ArcEdgeError('DEVICE_UNREACHABLE', `ssh to ${where} failed while ${doing} (exit ${result.code}): ${text || 'no message'}`, { fix, details: { host: target.host, port: target.port, exit: result.code } });
}
