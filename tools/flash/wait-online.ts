/**
 * Waits for a device's retained `online` status (arcedge/<device>/status) after an install.
 * It talks MQTT through the one adapter (sdk/protocol/mqtt-connection.ts), as `arcedge deploy` does. A retained `online` left by the agent that ran before
 * this install is not proof that the new one started: a status counts when it arrives live
 * (published after we subscribed) or its timestamp is not older than the install's start.
 *
 * An agent connects and says `starting` before it loads its models, and `building` while
 * TensorRT builds an engine on first start (minutes per model on an Orin Nano). Both prove the
 * new agent runs: `starting` restarts the wait, `building` extends it to the build wait, so a
 * first start is not reported DEVICE_OFFLINE while the device is busy building.
 */
import { ArcEdgeError, DeviceStatusSchema, deviceTopics } from '../../sdk/index.ts';
import { connectMqtt, hostConnectionOptions, type BrokerOptions } from '../../sdk/internal.ts';

export type { BrokerOptions };

export interface OnlineStatus {
  readonly device: string;
  readonly version?: string;
  readonly ts?: string;
  readonly seconds: number;
}

/** States an agent reports before `online` (the agent's start-up order): alive, not ready. */
export const ALIVE_STATES = ['starting', 'building'] as const;

/** `building` while engines build, `starting` while models load or a pipeline restarts, else undefined (serving, or not alive). */
function aliveStateOf(raw: { state?: unknown; phase?: unknown }): AliveState | undefined {
  const said = raw.state === 'online' ? raw.phase : raw.state;
  if (said === 'building') return 'building';
  if (said === 'starting' || (raw.state === 'online' && said === 'restarting')) return 'starting';
  return undefined;
}
export type AliveState = (typeof ALIVE_STATES)[number];

export interface WaitOptions {
  /** After a fresh `building`, wait at least this long from then (default 30 min). */
  readonly buildTimeoutMs?: number;
  /** Called once per fresh `starting` / `building` (with the payload's detail, if any). */
  readonly onAlive?: (state: AliveState, detail: string | undefined) => void;
}

export const DEFAULT_BUILD_TIMEOUT_MS = 30 * 60_000;

export interface OnlineWatch {
  /**
   * Resolves at the first fresh `online`; DEVICE_OFFLINE when the deadline passes: timeoutMs
   * from this call, moved to timeoutMs after each fresh `starting` and to buildTimeoutMs after
   * each fresh `building`.
   */
  wait(timeoutMs: number, options?: WaitOptions): Promise<OnlineStatus>;
  close(): Promise<void>;
}

/**
 * Subscribes now (before the install restarts the agent), so the new agent's `online` arrives
 * live even when the device's clock disagrees with ours.
 */
export function watchOnline(broker: BrokerOptions, device: string, since: Date): OnlineWatch {
  const topic = deviceTopics(device).status;
  let lastError = '';
  let lastState = 'nothing';
  let online: Omit<OnlineStatus, 'seconds'> | undefined;
  let notify: (() => void) | undefined;
  let alive: ((state: AliveState, detail: string | undefined, atMs: number) => void) | undefined;
  // The install runs between subscribing and wait(): a starting/building seen then still counts.
  let lastAlive: { state: AliveState; detail: string | undefined; atMs: number } | undefined;
  const client = connectMqtt(
    hostConnectionOptions(broker, `arcedge-flash-${process.pid}-${Date.now().toString(36)}`, 1000),
    {
      connect: () => void client.subscribe(topic).catch((error: Error) => (lastError = error.message)),
      close: () => {},
      error: (error) => (lastError = error.message),
      message: (_topic, payload, retained) => {
        let status;
        try {
          const raw = JSON.parse(payload.toString('utf8')) as { state?: unknown; phase?: unknown; ts?: unknown; detail?: unknown; reason?: unknown };
          // Read here rather than through DeviceStatusSchema, so flash understands an agent that
          // reports these states whatever the schema version on this side says. The agent says
          // `online` with `phase: starting | building` (sdk/protocol/status.ts) before its models
          // are loaded: alive, not yet serving; a bare `state: starting | building` is read too.
          const aliveState = aliveStateOf(raw);
          if (aliveState) {
            raw.state = aliveState;
            const ts = typeof raw.ts === 'string' ? raw.ts : undefined;
            const detail = typeof raw.detail === 'string' ? raw.detail : typeof raw.reason === 'string' ? raw.reason : undefined;
            lastState = `${raw.state}${detail ? ` (${detail})` : ''}${ts ? ` at ${ts}` : ''}${retained ? ' (retained)' : ''}`;
            const fresh = !retained || (ts !== undefined && Date.parse(ts) >= since.getTime());
            if (fresh) {
              online = undefined;
              lastAlive = { state: raw.state as AliveState, detail, atMs: Date.now() };
              alive?.(lastAlive.state, detail, lastAlive.atMs);
            }
            return;
          }
          status = DeviceStatusSchema.parse(raw);
        } catch {
          lastState = `an unreadable payload (${payload.toString('utf8').slice(0, 80)})`;
          return;
        }
        lastState = `${status.state}${status.ts ? ` at ${status.ts}` : ''}${retained ? ' (retained)' : ''}`;
        const fresh = !retained || (status.ts !== undefined && Date.parse(status.ts) >= since.getTime());
        if (status.state === 'online' && fresh) {
          online = { device, ...(status.version ? { version: status.version } : {}), ...(status.ts ? { ts: status.ts } : {}) };
          notify?.();
          lastAlive = undefined;
        } else if (status.state === 'offline') online = undefined;
      },
    },
  );
  return {
    wait(timeoutMs, options = {}) {
      const started = Date.now();
      const buildTimeoutMs = options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
      let deadline = started + timeoutMs;
      let building = false;
      return new Promise<OnlineStatus>((resolve, reject) => {
        let timer: NodeJS.Timeout;
        const expire = () => {
          notify = undefined;
          alive = undefined;
          const waited = Math.round((Date.now() - started) / 1000);
          const how = client.connected ? `last status seen: ${lastState}` : `could not connect to ${broker.url}${lastError ? ` (${lastError})` : ''}`;
          reject(
            new ArcEdgeError('DEVICE_OFFLINE', `${device} did not report online on ${topic} within ${waited} s; ${how}`, {
              fix: building
                ? 'the agent was still building TensorRT engines: it goes on after flash stops waiting. Follow it with `journalctl -u arcedge-agent -f`; a longer --build-timeout waits for it'
                : client.connected
                  ? 'look at the agent on the device: `journalctl -u arcedge-agent -n 50` (or run <dir>/bin/arcedge-agent by hand); check that its mqtt.url reaches this broker'
                  : 'pass the broker as this machine reaches it with --broker mqtt://<host>:<port> (credentials: --broker-user, ARCEDGE_MQTT_PASSWORD, --broker-ca)',
              details: { device, topic, broker: broker.url },
            }),
          );
        };
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(expire, Math.max(0, deadline - Date.now()));
        };
        arm();
        alive = (state, detail, atMs) => {
          building ||= state === 'building';
          deadline = Math.max(deadline, atMs + (state === 'building' ? buildTimeoutMs : timeoutMs));
          arm();
          options.onAlive?.(state, detail);
        };
        if (lastAlive && !online) alive(lastAlive.state, lastAlive.detail, lastAlive.atMs);
        notify = () => {
          if (!online) return;
          clearTimeout(timer);
          notify = undefined;
          alive = undefined;
          resolve({ ...online, seconds: (Date.now() - started) / 1000 });
        };
        notify();
      });
    },
    close: () => client.end(true),
  };
}
