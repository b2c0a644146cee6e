/**
 * Who may use the embedded broker and for what (agent/mqtt/embedded-broker.ts). The same
 * policy as examples/broker/arcedge.acl for mosquitto:
 *
 * - operators (the host CLI, Home Assistant, a dashboard) read and write `arcedge/#` and the
 *   Home Assistant prefix;
 * - a device account, whose username is its device id, publishes only its own
 *   `arcedge/<id>/{status,events/#,cameras/#,metrics,reply/#}` and subscribes only to its own
 *   `arcedge/<id>/cmd/#`: it cannot command itself or speak for another device;
 * - the agent's own connection uses a random password made at start (never written anywhere).
 *
 * Passwords come from the config's secret references (environment or 0600 file) or a 0600
 * `username:password` file. Without users, only a loopback listener accepts anonymous clients
 * (as operators); a LAN listener without users is refused unless `allowAnonymous: true`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { ArcEdgeError, TOPIC_ROOT } from '../../sdk/index.ts';
import type { AgentConfig } from '../config/schema.ts';
import { readSecret } from '../config/secrets.ts';

export type BrokerRole = 'operator' | 'device' | 'agent';

export interface BrokerUser {
  readonly username: string;
  readonly password: string;
  readonly role: 'operator' | 'device';
}

export interface BrokerPolicy {
  /** Checks a CONNECT; returns the role, or undefined to refuse it. */
  authenticate(username: string | undefined, password: Buffer | undefined): BrokerRole | undefined;
  canPublish(role: BrokerRole, username: string | undefined, topic: string): boolean;
  canSubscribe(role: BrokerRole, username: string | undefined, filter: string): boolean;
  /** The agent's own credentials for this broker (undefined: it connects anonymously). */
  readonly agent: { username: string; password: string } | undefined;
  readonly anonymous: boolean;
}

export const AGENT_USERNAME = 'arcedge-agent';

/** 127.0.0.0/8, ::1, localhost: only processes on this machine reach it. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** `username:password` lines from a file only its owner can read (the secrets rule). */
export function readUsersFile(path: string): BrokerUser[] {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    throw new ArcEdgeError('CONFIG_INVALID', `mqtt.embedded.usersFile: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`, { fix: 'create it: one "username:password" per line, chmod 600' });
  }
  if ((mode & 0o077) !== 0) {
    throw new ArcEdgeError('CONFIG_INVALID', `mqtt.embedded.usersFile: ${path} has mode 0${mode.toString(8)}`, { fix: `run chmod 600 ${path}` });
  }
  const users: BrokerUser[] = [];
  for (const [i, raw] of readFileSync(path, 'utf8').split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(operator|device)?\s*([^:\s]+):(.+)$/.exec(line);
    if (!m) throw new ArcEdgeError('CONFIG_INVALID', `mqtt.embedded.usersFile: line ${i + 1} of ${path} is not "[operator|device] username:password"`);
    users.push({ role: (m[1] as 'operator' | 'device' | undefined) ?? 'operator', username: m[2]!, password: m[3]! });
  }
  return users;
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

function within(topic: string, prefix: string): boolean {
  return topic.startsWith(prefix) && topic.length > prefix.length;
}

export function brokerPolicy(options: { host: string; users: readonly BrokerUser[]; allowAnonymous: boolean; deviceId: string; haPrefix: string }): BrokerPolicy {
  const { host, users, allowAnonymous, deviceId, haPrefix } = options;
  const loopback = isLoopback(host);
  if (users.length === 0 && !loopback && !allowAnonymous) {
    throw new ArcEdgeError('CONFIG_INVALID', `mqtt.embedded.host is ${host}, reachable from the network, and the embedded broker has no users: anyone there could command this device`, {
      fix: 'add mqtt.embedded.users (or usersFile), or listen on 127.0.0.1, or set mqtt.embedded.allowAnonymous: true to accept that risk',
      details: { host },
    });
  }
  for (const u of users) {
    if (u.username === AGENT_USERNAME) throw new ArcEdgeError('CONFIG_INVALID', `mqtt.embedded.users: "${AGENT_USERNAME}" is reserved for the agent's own connection`);
  }
  const anonymous = users.length === 0;
  const agent = anonymous ? undefined : { username: AGENT_USERNAME, password: randomBytes(24).toString('base64url') };
  const table = new Map<string, { hash: Buffer; role: BrokerRole }>(users.map((u) => [u.username, { hash: digest(u.password), role: u.role }]));
  if (agent) table.set(agent.username, { hash: digest(agent.password), role: 'agent' });

  const devicePublish = (id: string, topic: string) => {
    const base = `${TOPIC_ROOT}/${id}/`;
    return topic === `${base}status` || topic === `${base}metrics` || ['events/', 'cameras/', 'reply/'].some((p) => within(topic, base + p));
  };
  return {
    agent,
    anonymous,
    authenticate(username, password) {
      if (anonymous) return 'operator';
      const entry = username === undefined ? undefined : table.get(username);
      // Hash both sides so the comparison takes the same time whatever the lengths.
      const given = digest(password ?? Buffer.alloc(0));
      if (!entry) {
        timingSafeEqual(given, given);
        return undefined;
      }
      return timingSafeEqual(given, entry.hash) ? entry.role : undefined;
    },
    canPublish(role, username, topic) {
      if (role === 'operator') return within(topic, `${TOPIC_ROOT}/`) || within(topic, `${haPrefix}/`);
      if (role === 'agent') return devicePublish(deviceId, topic) || within(topic, `${haPrefix}/`);
      return username !== undefined && devicePublish(username, topic);
    },
    canSubscribe(role, username, filter) {
      if (role === 'operator') return within(filter, `${TOPIC_ROOT}/`) || within(filter, `${haPrefix}/`);
      const id = role === 'agent' ? deviceId : username;
      return id !== undefined && within(filter, `${TOPIC_ROOT}/${id}/cmd/`);
    },
  };
}

/** The embedded broker's accounts from the config: secret references, then the users file. */
export function configuredBrokerUsers(embedded: AgentConfig['mqtt']['embedded']): BrokerUser[] {
  const users: BrokerUser[] = (embedded.users ?? []).map((u) => ({ username: u.username, password: readSecret(u.password), role: u.role }));
  if (embedded.usersFile) users.push(...readUsersFile(embedded.usersFile));
  for (const u of users) {
    if (u.password.length === 0) throw new ArcEdgeError('CONFIG_INVALID', `mqtt.embedded: user "${u.username}" has an empty password`, { fix: 'set the secret (environment variable or 0600 file) to a non-empty password' });
  }
  return users;
}
