/**
 * The MQTT topic tree, one place for both sides (agent publishes, tools and users subscribe).
 * Everything lives under `arcedge/<device>/`; README.md "MQTT topics and payloads" documents it.
 * Device and camera ids are validated (ID_PATTERN) so no id can inject `/`, `+` or `#`.
 */
/** The first level of every arcedge topic: arcedge/<device>/... */
export const TOPIC_ROOT = 'arcedge';

/** Device, camera and request ids: letters, digits, `.`, `_`, `-`; 1-64 characters. */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The commands an agent answers on arcedge/<device>/cmd/<name>. */
export const COMMAND_NAMES = ['enroll', 'forget', 'list', 'snapshot', 'status', 'reload', 'events', 'transfer', 'apply', 'rollback'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The MQTT topics of one device: status, events, metrics, commands, replies, per-camera status. */
export interface DeviceTopics {
  readonly status: string;
  readonly events: string;
  readonly metrics: string;
  /** Subscription filter for every command. */
  readonly commands: string;
  /** Subscription filter for every reply (clients that send commands). */
  readonly replies: string;
  cameraStatus(camera: string): string;
  /** A per-camera state topic beside its status (Home Assistant sensors: last_person, faces). */
  cameraState(camera: string, name: string): string;
  command(name: string): string;
  reply(requestId: string): string;
}

/** The MQTT topics of the device with this id (checked against ID_PATTERN). */
export function deviceTopics(device: string): DeviceTopics {
  const base = `${TOPIC_ROOT}/${device}`;
  return {
    status: `${base}/status`,
    events: `${base}/events/recognition`,
    metrics: `${base}/metrics`,
    commands: `${base}/cmd/+`,
    replies: `${base}/reply/+`,
    cameraStatus: (camera) => `${base}/cameras/${camera}/status`,
    cameraState: (camera, name) => `${base}/cameras/${camera}/${name}`,
    command: (name) => `${base}/cmd/${name}`,
    reply: (requestId) => `${base}/reply/${requestId}`,
  };
}

/** The command name in `arcedge/<device>/cmd/<name>`, or undefined for any other topic. */
export function commandNameOf(device: string, topic: string): string | undefined {
  const prefix = `${TOPIC_ROOT}/${device}/cmd/`;
  if (!topic.startsWith(prefix)) return undefined;
  const name = topic.slice(prefix.length);
  return name.length > 0 && !name.includes('/') ? name : undefined;
}

/** Replies to a request whose id could not be read (unparseable or oversized payload) go here. */
export const INVALID_REQUEST_ID = 'invalid';
