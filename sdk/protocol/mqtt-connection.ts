/**
 * The MQTT client adapter: the only mqtt.js import. Everything else sees connect/publish/
 * subscribe and three callbacks. mqtt.js reconnects by itself every reconnectMs; a QoS 1
 * publish's callback fires on the broker's PUBACK, which is what the outbox waits for.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface ConnectionOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly keepaliveSec: number;
  readonly reconnectMs: number;
  readonly tls?: { ca?: string; cert?: string; key?: string; passphrase?: string; rejectUnauthorized: boolean };
  /** The agent's offline status; the host CLI (tools/deploy/fleet-client.ts) connects without one. */
  readonly will?: { topic: string; payload: string; retain: boolean };
}

export interface ConnectionHandlers {
  connect(): void;
  close(): void;
  /** retained: the broker's stored copy, sent on subscribe (not a live publish). */
  message(topic: string, payload: Buffer, retained: boolean): void;
  error(error: Error): void;
}

export interface MqttConnection {
  readonly connected: boolean;
  /** Resolves on PUBACK (QoS 1) or once written (QoS 0); rejects when the connection drops first. */
  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  subscribe(filter: string): Promise<void>;
  /** Clean disconnect (no last will). `force` drops in-flight messages at once. */
  end(force?: boolean): Promise<void>;
}

export function connectMqtt(options: ConnectionOptions, handlers: ConnectionHandlers): MqttConnection {
  const tls = options.tls;
  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    protocolVersion: 4, // MQTT 3.1.1: what both aedes and mosquitto speak
    clean: true,
    keepalive: options.keepaliveSec,
    reconnectPeriod: options.reconnectMs,
    connectTimeout: 10_000,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.will ? { will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: 1 as const, retain: options.will.retain } } : {}),
    ...(tls
      ? {
          rejectUnauthorized: tls.rejectUnauthorized,
          ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
          ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
          ...(tls.key ? { key: readFileSync(tls.key) } : {}),
          ...(tls.passphrase ? { passphrase: tls.passphrase } : {}),
        }
      : {}),
  };
  const client: MqttClient = mqtt.connect(options.url, clientOptions);
  client.on('connect', () => handlers.connect());
  client.on('close', () => handlers.close());
  client.on('message', (topic, payload, packet) => handlers.message(topic, payload, packet.retain));
  client.on('error', (error) => handlers.error(error));
  return {
    get connected() {
      return client.connected;
    },
    publish(topic, payload, { qos, retain = false }) {
      return new Promise((resolve, reject) => {
        client.publish(topic, payload, { qos, retain }, (error) => (error ? reject(error) : resolve()));
      });
    },
    subscribe(filter) {
      return new Promise((resolve, reject) => {
        client.subscribe(filter, { qos: 1 }, (error) => (error ? reject(error) : resolve()));
      });
    },
    end(force = false) {
      return new Promise((resolve) => client.end(force, {}, () => resolve()));
    },
  };
}
