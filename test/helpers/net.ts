/**
 * Loopback ports for tests that start servers (mosquitto, sshd, agents, the web server): other
 * people's tests run on the same machine at the same time, so nothing binds a fixed port.
 */
import { connect, createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1 (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port`. `what` names the server
 * in the timeout error; `gone` (checked before each try) returns why the server cannot come up
 * any more, e.g. its process exited, so the wait fails at once with that reason.
 */
export async function waitForPort(port: number, timeoutMs: number, what: string, gone: () => string | undefined = () => undefined): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const why = gone();
    if (why) throw new Error(`${what} cannot listen on ${port}: ${why}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms${gone() ? `: ${gone()}` : ''}`);
}
