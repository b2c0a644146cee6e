/**
 * The options every fleet command shares (broker, credentials, TLS, which devices), declared
 * once for tools/cli/command.ts, and the one builder of BrokerOptions from flags that deploy,
 * devices, gallery push and flash use.
 */
import { readFileSync, statSync } from 'node:fs';
import { ID_PATTERN } from '../../sdk/index.ts';
import { UsageError, type OptionSpecs } from '../cli/command.ts';
import { FleetClient, type BrokerOptions } from './fleet-client.ts';

export const BROKER_OPTIONS = {
  broker: { type: 'string', valueName: 'url', description: 'MQTT broker, mqtt://host:1883 or mqtts://host:8883 (default: $ARCEDGE_BROKER)' },
  username: { type: 'string', description: 'MQTT user name (the host account in the broker ACL)' },
  'password-file': { type: 'string', valueName: 'file', description: 'file holding the MQTT password (mode 0600; default: $ARCEDGE_MQTT_PASSWORD)' },
  ca: { type: 'string', valueName: 'ca.pem', description: 'CA certificate to trust for mqtts://' },
  cert: { type: 'string', valueName: 'cert.pem', description: 'client certificate, for brokers that require one' },
  key: { type: 'string', valueName: 'key.pem', description: 'client private key' },
  insecure: { type: 'boolean', description: 'accept any broker certificate (testing only)' },
} as const satisfies OptionSpecs;

export const TARGET_OPTIONS = {
  device: { type: 'string', multiple: true, valueName: 'id', description: 'target device id' },
  all: { type: 'boolean', description: 'every device with a retained status on the broker' },
} as const satisfies OptionSpecs;

type BrokerValues = { broker: string | undefined; username: string | undefined; 'password-file': string | undefined; ca: string | undefined; cert: string | undefined; key: string | undefined; insecure: boolean };

/**
 * BrokerOptions from flags: the URL (else $ARCEDGE_BROKER), the password read from
 * --password-file (else $ARCEDGE_MQTT_PASSWORD; never from the command line), PEM files checked
 * to be readable, with a warning when a secret is readable by others.
 */
export function brokerOptions(values: BrokerValues): BrokerOptions {
  const url = values.broker ?? process.env.ARCEDGE_BROKER;
  if (!url) throw new UsageError('--broker <url> is required (or set ARCEDGE_BROKER)');
  if (!/^(mqtt|mqtts|ws|wss|tcp|ssl):\/\//.test(url)) throw new UsageError(`--broker must start with mqtt://, mqtts://, ws:// or wss://, got "${url}"`);
  for (const flag of ['password-file', 'ca', 'cert', 'key'] as const) {
    const path = values[flag];
    if (path === undefined) continue;
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      throw new UsageError(`--${flag} ${path} cannot be read`);
    }
    if ((flag === 'password-file' || flag === 'key') && (mode & 0o077) !== 0) console.error(`warning: ${path} is readable by others (mode 0${(mode & 0o777).toString(8)}); chmod 600 ${path}`);
  }
  return {
    url,
    ...(values.username !== undefined ? { username: values.username } : {}),
    ...(values['password-file'] !== undefined
      ? { password: readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '') }
      : process.env.ARCEDGE_MQTT_PASSWORD
        ? { password: process.env.ARCEDGE_MQTT_PASSWORD }
        : {}),
    ...(values.ca !== undefined ? { ca: values.ca } : {}),
    ...(values.cert !== undefined ? { cert: values.cert } : {}),
    ...(values.key !== undefined ? { key: values.key } : {}),
    ...(values.insecure ? { insecure: true } : {}),
  };
}

/** Usage errors in --device / --all, before anything slow runs. */
export function checkTargets(values: { device: string[]; all: boolean }): void {
  if (values.all === (values.device.length > 0)) throw new UsageError(values.all ? 'give --device <id> or --all, not both' : 'name the targets: --device <id> (repeatable) or --all');
  const bad = values.device.filter((d) => !ID_PATTERN.test(d));
  if (bad.length) throw new UsageError(`device ids are 1-64 letters, digits, . _ or -: ${bad.join(', ')}`);
}

/** Target ids from --device (validated) or --all (retained statuses, online ones first). */
export async function targetDevices(client: FleetClient, values: { device: string[]; all: boolean }): Promise<string[]> {
  checkTargets(values);
  if (!values.all) {
    const ids = [...new Set(values.device)];
    await client.settle(300, 2000);
    const unknown = ids.filter((d) => !client.statuses.has(d));
    // Not an error: a device that never connected to this broker may still come up in time.
    if (unknown.length) console.error(`warning: no retained status for ${unknown.join(', ')} on this broker (a typo, or never connected?); waiting for it up to --timeout`);
    return ids;
  }
  await client.settle();
  const all = [...client.statuses.entries()].sort(([a, sa], [b, sb]) => Number(sb.state === 'online') - Number(sa.state === 'online') || a.localeCompare(b));
  if (all.length === 0) throw new UsageError('--all: no device has a retained status on this broker (check --broker, or `arcedge devices`)');
  return all.map(([id]) => id);
}
