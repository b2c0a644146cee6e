/**
 * The embedded MQTT broker (aedes, the only aedes import), started when the config names no
 * broker: the demo and a single-box install need no infrastructure. aedes 1.x is ESM-only,
 * created with `await Aedes.createBroker()`, and speaks MQTT 3.1.1 only.
 *
 * Hardened for a broker anyone on its network may reach (docs/security.md): users and a
 * per-device ACL (agent/mqtt/broker-auth.ts), a packet size limit checked on the wire before a
 * payload is buffered (agent/mqtt/packet-guard.ts), retained publishes to command topics
 * stored as plain ones (a retained command would replay on every reconnect), and no anonymous
 * clients on a non-loopback address unless the config says so out loud.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { ArcEdgeError, TOPIC_ROOT } from '../../sdk/index.ts';
import { brokerPolicy, isLoopback, type BrokerRole, type BrokerUser } from './broker-auth.ts';
import { guardSocket } from './packet-guard.ts';

export interface EmbeddedBroker {
  readonly url: string;
  /** What the agent's own client must present (undefined: anonymous). */
  readonly credentials: { username: string; password: string } | undefined;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  readonly host: string;
  readonly port: number;
  /** Largest MQTT packet body accepted (remaining length), bytes. */
  readonly maxPacketBytes: number;
  readonly users?: readonly BrokerUser[];
  readonly allowAnonymous?: boolean;
  readonly deviceId: string;
  readonly haPrefix?: string;
  readonly log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
}

/** Room for the topic, packet id and header of a publish around a payload at the command limit. */
export const PACKET_OVERHEAD_BYTES = 64 * 1024;

const isCommandTopic = (topic: string) => /^[^/]+\/[^/]+\/cmd\//.test(topic) && topic.startsWith(`${TOPIC_ROOT}/`);

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.log ?? (() => {});
  const policy = brokerPolicy({
    host: options.host,
    users: options.users ?? [],
    allowAnonymous: options.allowAnonymous ?? false,
    deviceId: options.deviceId,
    haPrefix: options.haPrefix ?? 'homeassistant',
  });
  if (policy.anonymous) {
    log(options.allowAnonymous && !isLoopback(options.host) ? 'warn' : 'info', options.allowAnonymous && !isLoopback(options.host)
      ? 'embedded MQTT broker accepts ANONYMOUS clients on a network address (mqtt.embedded.allowAnonymous): anyone who reaches it can command this device'
      : 'embedded MQTT broker accepts anonymous clients on loopback only', { host: options.host });
  }
  const roles = new WeakMap<object, { role: BrokerRole; username: string | undefined }>();
  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const role = policy.authenticate(username, password ?? undefined);
      if (!role) {
        log('warn', 'embedded broker refused a client: bad username or password', { clientId: client.id.slice(0, 64), username: username?.slice(0, 64) });
        const error = Object.assign(new Error('not authorized'), { returnCode: 5 }) as Error & { returnCode: number };
        return done(error as never, false);
      }
      roles.set(client, { role, username });
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      const who = client ? roles.get(client) : undefined;
      if (!client) return done(null); // the broker's own $SYS / will bookkeeping
      // The agent may clear a retained command on its own topics (agent/commands/retained.ts).
      const clearing = who?.role === 'agent' && packet.retain && packet.payload.length === 0 && packet.topic.startsWith(`${TOPIC_ROOT}/${options.deviceId}/cmd/`);
      if (!who || (!clearing && !policy.canPublish(who.role, who.username, packet.topic))) {
        log('warn', 'embedded broker refused a publish', { clientId: client.id.slice(0, 64), username: who?.username?.slice(0, 64), topic: packet.topic.slice(0, 200) });
        return done(new Error('not authorized'));
      }
      // A retained command replays on every reconnect: store it as a plain publish.
      if (packet.retain && packet.payload.length > 0 && isCommandTopic(packet.topic)) {
        log('warn', 'retained command stored as not retained', { topic: packet.topic.slice(0, 200), clientId: client.id.slice(0, 64) });
        packet.retain = false;
      }
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const who = roles.get(client);
      if (!who || !policy.canSubscribe(who.role, who.username, sub.topic)) {
        log('warn', 'embedded broker refused a subscription', { clientId: client.id.slice(0, 64), username: who?.username?.slice(0, 64), filter: sub.topic.slice(0, 200) });
        return done(null, null); // SUBACK 0x80 for this filter
      }
      done(null, sub);
    },
  });
  const maxRemaining = options.maxPacketBytes + PACKET_OVERHEAD_BYTES;
  const server: Server = createServer((socket: Socket) => {
    const stream = guardSocket(socket, maxRemaining, (announced) => {
      log('warn', 'embedded broker closed a connection: MQTT packet over the size limit', { remote: socket.remoteAddress, announced, limit: maxRemaining });
    });
    broker.handle(stream as never);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ArcEdgeError('CONFIG_INVALID', `the embedded MQTT broker cannot listen on ${options.host}:${options.port}: ${error.message}`, { fix: 'free the port or set mqtt.embedded.port (0: any free port)', cause: error })),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${options.host}]` : options.host;
  return {
    url: `mqtt://${hostPart}:${address.port}`,
    credentials: policy.agent,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
