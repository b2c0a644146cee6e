/**
 * A real OpenSSH server for the flash tests: `/usr/sbin/sshd -D -f <temp config>` on
 * 127.0.0.1:<free port>, with a host key and a client key generated for the test, the client's
 * public key as the only authorized key, and a known_hosts file pinning the host key (so the
 * tests run with strict host key checking, as users should). scripts/setup.sh installs
 * openssh-server; sshd started as root needs /run/sshd (privilege separation).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from '../helpers/net.ts';
import { freePort } from '../agent/mosquitto.ts';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  readonly port: number;
  /** user@127.0.0.1 */
  readonly host: string;
  readonly identity: string;
  readonly knownHosts: string;
  stop(): Promise<void>;
}

export async function startSshd(dir: string): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server (scripts/setup.sh does)`);
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  const identity = join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', identity]);
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${identity}.pub`), { mode: 0o600 });
  const port = await freePort();
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      // The temp folder's modes are the test runner's, not what sshd's StrictModes wants of a home.
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // scp uses the SFTP protocol since OpenSSH 9.0.
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await waitForPort(port, 10_000, 'sshd', () => (child.exitCode !== null ? `sshd exited (${child.exitCode}): ${stderr}` : undefined));
  return {
    port,
    host: `${userInfo().username}@127.0.0.1`,
    identity,
    knownHosts,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
