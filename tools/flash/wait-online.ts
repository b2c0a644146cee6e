/**
 * Waits for a device's retained `online` status (arcedge/<device>/status) after an install.
 * It talks MQTT through the one adapter (sdk/protocol/mqtt-connection.ts), as `arcedge deploy` does. A retained `online` left by the agent that ran before
 * this install is not proof that the new one started: a status counts when it arrives live
 * (published after we subscribed) or its timestamp is not older than the install's start.
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

export interface OnlineWatch {
  /** Resolves at the first fresh `online`; DEVICE_OFFLINE after timeoutMs from this call. */
  wait(timeoutMs: number): Promise<OnlineStatus>;
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
  const client = connectMqtt(
    hostConnectionOptions(broker, `arcedge-flash-${process.pid}-${Date.now().toString(36)}`, 1000),
    {
      connect: () => void client.subscribe(topic).catch((error: Error) => (lastError = error.message)),
      close: () => {},
      error: (error) => (lastError = error.message),
      message: (_topic, payload, retained) => {
        let status;
        try {
          status = DeviceStatusSchema.parse(JSON.parse(payload.toString('utf8')));
        } catch {
          lastState = `an unreadable payload (${payload.toString('utf8').slice(0, 80)})`;
          return;
        }
        lastState = `${status.state}${status.ts ? ` at ${status.ts}` : ''}${retained ? ' (retained)' : ''}`;
        const fresh = !retained || (status.ts !== undefined && Date.parse(status.ts) >= since.getTime());
        if (status.state === 'online' && fresh) {
          online = { device, ...(status.version ? { version: status.version } : {}), ...(status.ts ? { ts: status.ts } : {}) };
          notify?.();
        } else if (status.state === 'offline') online = undefined;
      },
    },
  );
  return {
    wait(timeoutMs) {
      const started = Date.now();
      return new Promise<OnlineStatus>((resolve, reject) => {
        const timer = setTimeout(() => {
          notify = undefined;
          const how = client.connected ? `last status seen: ${lastState}` : `could not connect to ${broker.url}${lastError ? ` (${lastError})` : ''}`;
          reject(
            new ArcEdgeError('DEVICE_OFFLINE', `${device} did not report online on ${topic} within ${Math.round(timeoutMs / 1000)} s; ${how}`, {
              fix: client.connected
                ? 'look at the agent on the device: `journalctl -u arcedge-agent -n 50` (or run <dir>/bin/arcedge-agent by hand); check that its mqtt.url reaches this broker'
                : 'pass the broker as this machine reaches it with --broker mqtt://<host>:<port> (credentials: --broker-user, ARCEDGE_MQTT_PASSWORD, --broker-ca)',
              details: { device, topic, broker: broker.url },
            }),
          );
        }, timeoutMs);
        notify = () => {
          if (!online) return;
          clearTimeout(timer);
          notify = undefined;
          resolve({ ...online, seconds: (Date.now() - started) / 1000 });
        };
        notify();
      });
    },
    close: () => client.end(true),
  };
}
