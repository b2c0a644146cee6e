/**
 * Runs the agent as users do (a child process: `node --import tsx agent/main.ts --config f`), so
 * tests can SIGKILL it, plus an MQTT subscriber that records everything under arcedge/#.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { repoRoot } from '../helpers/assets.ts';
import { localAssetSet } from '../analyzer/model-sets.ts';

export const TEST_MODELS = (): string => localAssetSet('agent-det500m-fr512', ['det_500m.onnx', 'fr_feature_512.onnx']);

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class AgentProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(configPath: string, extraArgs: string[] = [], extraEnv: Record<string, string> = {}) {
    const tsx = import.meta.resolve('tsx');
    this.child = spawn(process.execPath, ['--import', tsx, join(repoRoot, 'agent', 'main.ts'), '--config', configPath, ...extraArgs], {
      cwd: repoRoot,
      env: { ...process.env, OPENCV4NODEJS_DISABLE_AUTOBUILD: '1', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ level: 'raw', msg: line });
        }
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The last lines of its log and stderr, for a failure message. */
  tail(n = 25): string {
    return [...this.lines.slice(-n).map((l) => JSON.stringify(l).slice(0, 400)), this.stderr.slice(-1500)].join('\n');
  }

  events(): LogLine[] {
    return this.lines.filter((l) => l.msg === 'event');
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  readonly at: number;
}

export class Subscriber {
  readonly messages: Received[] = [];
  readonly client: MqttClient;

  constructor(url: string, filter: string | string[], clientId: string) {
    // clean: false + QoS 1: the broker queues events for us while we are disconnected.
    this.client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 200, protocolVersion: 4 });
    this.client.on('connect', () => this.client.subscribe(filter, { qos: 1 }));
    this.client.on('message', (topic, payload, packet) => this.messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, at: Date.now() }));
  }

  async ready(): Promise<void> {
    await waitFor('subscriber connected', () => this.client.connected, 10_000);
    await new Promise((r) => setTimeout(r, 200));
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  json<T = Record<string, unknown>>(topic: string): T[] {
    return this.on(topic).map((m) => JSON.parse(m.payload) as T);
  }

  /** Unique events by id (delivery is at least once). */
  events(device: string): Record<string, unknown>[] {
    const byId = new Map<string, Record<string, unknown>>();
    for (const e of this.json(`arcedge/${device}/events/recognition`)) byId.set(e.id as string, e);
    return [...byId.values()];
  }

  async command(device: string, name: string, payload: unknown, id: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    this.client.publish(`arcedge/${device}/cmd/${name}`, typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload), { qos: 1 });
    const reply = await waitFor(`reply ${id}`, () => this.on(`arcedge/${device}/reply/${id}`)[0], timeoutMs);
    return JSON.parse(reply.payload) as Record<string, unknown>;
  }

  async end(): Promise<void> {
    await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
  }
}

/** Validators from the generated JSON Schemas in docs/protocol/ (what a non-TS subscriber uses). */
export function protocolValidator(name: string): (data: unknown) => string | undefined {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s) });
  const schema = JSON.parse(readFileSync(join(repoRoot, 'docs', 'protocol', `${name}.schema.json`), 'utf8')) as object;
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? undefined : ajv.errorsText(validate.errors));
}

export function writeConfig(path: string, config: unknown): string {
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}
