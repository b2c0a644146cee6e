/**
 * The web tests' agent: a real agent child process (test/agent/harness.ts) with a web password,
 * a bearer token file and an embedded broker on fixed free ports (so a reload keeps them),
 * plus small fetch helpers.
 */
import { writeFileSync } from 'node:fs';
import { freePort } from '../helpers/net.ts';
import { join } from 'node:path';
import { hashPassword } from '../../sdk/internal.ts';
import { AgentProcess, TEST_MODELS, waitFor, writeConfig } from '../agent/harness.ts';

export const PASSWORD = 'correct horse battery staple';
export const TOKEN = 'tok_' + 'x7Rq9vLm2Kp8Zt4Wn6Yb3Hc5Jd1Fg0Ae'.repeat(2);

export { freePort };

export interface WebAgent {
  readonly agent: AgentProcess;
  readonly url: string;
  readonly brokerUrl: string;
  readonly configPath: string;
  readonly config: Record<string, unknown>;
}

export async function webConfig(dir: string, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const tokenFile = join(dir, 'web-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  return {
    device: { id: 'web' },
    mqtt: { embedded: { port: await freePort() } },
    models: TEST_MODELS(),
    inference: { backend: { threads: 1 } },
    gallery: join(dir, 'gallery.db'),
    dataDir: join(dir, 'data'),
    cameras: [{ id: 'door', source: 'file:///dev/null', enabled: false }],
    recognition: { cooldownSec: 0 },
    web: { listen: `127.0.0.1:${await freePort()}`, passwordHash: await hashPassword(PASSWORD), tokenFile },
    ...overrides,
  };
}

export async function startWebAgent(dir: string, config: Record<string, unknown>): Promise<WebAgent> {
  const configPath = writeConfig(join(dir, 'agent.json'), config);
  const agent = new AgentProcess(configPath);
  const line = await waitFor('web server listening', () => agent.lines.find((l) => l.msg === 'web server listening' || l.msg === 'web server not started' || l.msg === 'agent failed to start'), 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.tail()}`);
  });
  if (line.msg !== 'web server listening') throw new Error(`the web server did not start:\n${agent.tail()}`);
  const broker = agent.lines.find((l) => l.msg === 'embedded MQTT broker listening');
  return { agent, url: line.url as string, brokerUrl: broker?.url as string, configPath, config };
}

/** fetch with a bearer token. */
export function bearer(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
}

/** A route path with its parameters filled in. */
export function fillPath(path: string, values: Record<string, string> = {}): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? 'nobody'));
}
