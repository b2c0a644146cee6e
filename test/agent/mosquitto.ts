/**
 * A real mosquitto for the agent tests, on a free loopback port, with its own config (Debian's
 * mosquitto is not started for us). Persistence is on and saved every second, so a session and
 * its queued QoS 1 messages survive a SIGKILL of the broker, as on a real install.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from '../helpers/net.ts';

export { freePort };

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL (default) or SIGTERM; resolves when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startMosquitto(dir: string): Promise<Mosquitto> {
  mkdirSync(join(dir, 'db'), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${join(dir, 'db')}/`, 'autosave_interval 1', 'log_dest none',
      // mosquitto drops QoS 1 messages beyond 1000 queued per client by default; the fuzz test
      // sends 1,000 commands in one burst.
      'max_queued_messages 5000',
      // Started as root, mosquitto switches to the mosquitto user, which cannot write this test
      // folder: persistence (the subscriber's session across a restart) would silently fail.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      ''].join('\n'),
  );
  let child: ChildProcess | undefined;
  const broker: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      await waitForPort(port, 10_000, 'mosquitto');
    },
    async kill(signal = 'SIGKILL') {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
    },
  };
  await broker.start();
  return broker;
}
