/**
 * The host's MQTT view of the fleet, over the same adapter the agent uses (sdk/protocol/
 * mqtt-connection.ts owns mqtt.js): commands with one reply each, retained device status, and
 * metrics. A request that gets no reply in time, or whose connection drops while it waits,
 * fails with DEVICE_TIMEOUT so callers retry (every transfer step is idempotent).
 */
import { randomBytes } from 'node:crypto';
import { connectMqtt, hostConnectionOptions, type BrokerOptions, type MqttConnection } from '../../sdk/internal.ts';
import { ArcEdgeError, deviceTopics, isArcEdgeError, TOPIC_ROOT, type CommandReply, type DeviceStatus, type Metrics } from '../../sdk/index.ts';

export type { BrokerOptions };

/** What a device answered with ok: false: its own code (from the device's error table), message and fix. */
export interface DeviceRefusal {
  readonly device: string;
  readonly code: string;
  readonly message: string;
  readonly fix: string;
  readonly details?: Record<string, unknown>;
}

/** A device's error answer as an ArcEdgeError (DEVICE_REFUSED) carrying the device's code in details. */
export function deviceRefused(r: DeviceRefusal): ArcEdgeError {
  return new ArcEdgeError('DEVICE_REFUSED', `${r.device}: [${r.code}] ${r.message}`, {
    fix: r.fix,
    details: { device: r.device, deviceCode: r.code, deviceMessage: r.message, ...(r.details ? { deviceDetails: r.details } : {}) },
  });
}

/** The device's answer inside a DEVICE_REFUSED error, or undefined for any other error. */
export function refusalOf(error: unknown): DeviceRefusal | undefined {
  if (!isArcEdgeError(error, 'DEVICE_REFUSED')) return undefined;
  const d = error.details as { device: string; deviceCode: string; deviceMessage: string; deviceDetails?: Record<string, unknown> };
  return { device: d.device, code: d.deviceCode, message: d.deviceMessage, fix: error.fix, ...(d.deviceDetails ? { details: d.deviceDetails } : {}) };
}

interface Pending {
  resolve(reply: CommandReply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export type StatusListener = (device: string, status: DeviceStatus & Record<string, unknown>) => void;
export type MetricsListener = (device: string, metrics: Metrics) => void;

export class FleetClient {
  /** Latest retained (or live) status per device. */
  readonly statuses = new Map<string, DeviceStatus & Record<string, unknown>>();
  private readonly pending = new Map<string, Pending>();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly metricsListeners = new Set<MetricsListener>();
  private readonly prefix = `h${randomBytes(4).toString('hex')}`;
  private counter = 0;
  private connection!: MqttConnection;
  private lastMessageAt = Date.now();

  private constructor() {}

  /** Connects (BROKER_UNREACHABLE after connectTimeoutMs) and subscribes to status, metrics and replies. */
  static async connect(options: BrokerOptions, connectTimeoutMs = 10_000): Promise<FleetClient> {
    const client = new FleetClient();
    let firstError: Error | undefined;
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        void client.connection.end(true);
        reject(new ArcEdgeError('BROKER_UNREACHABLE', `no connection to ${options.url} within ${connectTimeoutMs} ms${firstError ? `: ${firstError.message}` : ''}`, { details: { url: options.url } }));
      }, connectTimeoutMs);
      client.connection = connectMqtt(
        hostConnectionOptions(options, `arcedge-host-${client.prefix}`, 500),
        {
          connect: () => {
            void client.subscribeAll().then(() => {
              clearTimeout(timer);
              resolve();
            }, reject);
          },
          // A dropped connection loses the replies in flight: fail them now so callers retry
          // after the reconnect instead of waiting out their timeouts.
          close: () => client.failPending('the broker connection dropped'),
          message: (topic, payload) => client.onMessage(topic, payload),
          error: (error) => {
            firstError ??= error;
            // A CONNACK refusal (bad credentials, not authorised: codes 1-5 in MQTT 3.1.1) will
            // not heal by retrying: say so now rather than after the timeout.
            const code = (error as { code?: unknown }).code;
            if (code === 'ENOTFOUND') {
              clearTimeout(timer);
              void client.connection.end(true);
              reject(new ArcEdgeError('BROKER_UNREACHABLE', `the broker host in ${options.url} does not resolve: ${error.message}`, { fix: 'check the host name in --broker', details: { url: options.url } }));
            } else if (typeof code === 'number' && code >= 1 && code <= 5) {
              clearTimeout(timer);
              void client.connection.end(true);
              reject(new ArcEdgeError('BROKER_UNREACHABLE', `${options.url} refused the connection: ${error.message}`, { fix: 'check --username and --password-file (and the broker ACL for the host account)', details: { url: options.url, code } }));
            }
          },
        },
      );
    });
    await connected;
    return client;
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  private async subscribeAll(): Promise<void> {
    for (const filter of [`${TOPIC_ROOT}/+/status`, `${TOPIC_ROOT}/+/metrics`, `${TOPIC_ROOT}/+/reply/+`]) await this.connection.subscribe(filter);
  }

  private failPending(why: string): void {
    for (const [topic, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(topic);
      p.reject(new ArcEdgeError('DEVICE_TIMEOUT', why, { details: { topic } }));
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    this.lastMessageAt = Date.now();
    const parts = topic.split('/');
    const device = parts[1] ?? '';
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return; // not ours to judge: other publishers may share the tree
    }
    if (parts.length === 3 && parts[2] === 'status' && body && typeof body === 'object') {
      const status = body as DeviceStatus & Record<string, unknown>;
      this.statuses.set(device, status);
      for (const l of this.statusListeners) l(device, status);
    } else if (parts.length === 3 && parts[2] === 'metrics') {
      for (const l of this.metricsListeners) l(device, body as Metrics);
    } else if (parts.length === 4 && parts[2] === 'reply') {
      const p = this.pending.get(topic);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(topic);
      p.resolve(body as CommandReply);
    }
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onMetrics(listener: MetricsListener): () => void {
    this.metricsListeners.add(listener);
    return () => this.metricsListeners.delete(listener);
  }

  /** Waits until no message arrived for quietMs (retained ones come right after SUBACK), at most maxMs. */
  async settle(quietMs = 400, maxMs = 3000): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until && Date.now() - this.lastMessageAt < quietMs) await new Promise((r) => setTimeout(r, 50));
  }

  /**
   * Sends `command` to a device and resolves with its result; a device error rejects with
   * DEVICE_REFUSED (the device's code in details), no reply within timeoutMs (or a dropped connection) with DEVICE_TIMEOUT.
   */
  async request(device: string, command: string, body: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const id = `${this.prefix}-${(++this.counter).toString(36)}`;
    const topics = deviceTopics(device);
    const replyTopic = topics.reply(id);
    // sent: false tells callers the device never saw this request (safe to send again).
    if (!this.connection.connected) throw new ArcEdgeError('DEVICE_TIMEOUT', 'not connected to the broker (reconnecting)', { details: { device, sent: false } });
    const reply = new Promise<CommandReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(replyTopic);
        reject(new ArcEdgeError('DEVICE_TIMEOUT', `${device} did not answer ${command} within ${timeoutMs} ms`, { details: { device, command } }));
      }, timeoutMs);
      this.pending.set(replyTopic, { resolve, reject, timer });
    });
    this.connection.publish(topics.command(command), JSON.stringify({ id, ...body }), { qos: 1 }).catch(() => {}); // a drop fails `reply` via close
    const r = await reply;
    if (r.ok) return r.result;
    const e = r.error ?? { code: 'UNKNOWN', message: 'the device answered ok: false without an error', fix: 'check the agent log' };
    throw deviceRefused({ device, code: e.code, message: e.message, fix: e.fix, ...(e.details ? { details: e.details } : {}) });
  }

  async end(): Promise<void> {
    this.failPending('closing');
    await this.connection.end(true);
  }
}
