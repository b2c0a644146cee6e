/**
 * The MQTT client adapter: the only mqtt.js import. Everything else sees connect/publish/
 * subscribe and three callbacks. mqtt.js reconnects by itself every reconnectMs; a QoS 1
 * publish's callback fires on the broker's PUBACK, which is what the outbox waits for.
 * Both the agent and the host CLI (deploy, devices, gallery push, flash) connect through it, so
 * it lives with the wire formats in sdk/protocol/ and is reached through sdk/internal.ts; the
 * broker options and their TLS mapping are declared once here too.
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

/** How a host program (deploy, devices, gallery push, flash) reaches a broker: one shape for all. */
export interface BrokerOptions {
  readonly url: string;
  readonly username?: string;
  /** The password itself, read from a file or the environment, never from the command line. */
  readonly password?: string;
  /** PEM files: a CA to trust, and a client certificate and key for brokers that require one. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Accept any broker certificate (testing only). */
  readonly insecure?: boolean;
}

/**
 * connectMqtt's TLS options from PEM file paths: undefined when nothing TLS-related is set (a
 * mqtts:// URL then trusts the system CAs). The agent's config and the host's flags both map
 * through here.
 */
export function tlsOptions(o: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; passphrase?: string | undefined; rejectUnauthorized?: boolean | undefined }): ConnectionOptions['tls'] {
  if (!o.ca && !o.cert && !o.key && !o.passphrase && o.rejectUnauthorized !== false) return undefined;
  return {
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.cert ? { cert: o.cert } : {}),
    ...(o.key ? { key: o.key } : {}),
    ...(o.passphrase ? { passphrase: o.passphrase } : {}),
    rejectUnauthorized: o.rejectUnauthorized ?? true,
  };
}

/** connectMqtt's options for a host program on `broker`. */
export function hostConnectionOptions(broker: BrokerOptions, clientId: string, reconnectMs: number): ConnectionOptions {
  const tls = tlsOptions({ ca: broker.ca, cert: broker.cert, key: broker.key, rejectUnauthorized: !broker.insecure });
  return {
    url: broker.url,
    clientId,
    keepaliveSec: 30,
    reconnectMs,
    ...(broker.username !== undefined ? { username: broker.username } : {}),
    ...(broker.password !== undefined ? { password: broker.password } : {}),
    ...(tls ? { tls } : {}),
  };
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
