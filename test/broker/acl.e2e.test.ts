/**
 * The broker security example (examples/broker/) on a real mosquitto: TLS with a CA made here,
 * a password per account, and the ACL. A device's credentials publish under its own subtree
 * only; they cannot publish to another device's topics or to any cmd/ topic, and only the host
 * account can command a device. `arcedge devices` logs in as the host over TLS (--ca,
 * --username, --password-file); a refused login fails at once.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cli } from '../helpers/cli.ts';
import { freePort } from '../helpers/net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'arcedge-broker-'));
let broker: ChildProcess | undefined;
let port = 0;
const clients: MqttClient[] = [];

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
}

async function connect(username: string, password: string): Promise<MqttClient> {
  const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
    username,
    password,
    ca: readFileSync(join(dir, 'ca.crt')),
    servername: 'localhost',
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Publishes at QoS 1 and returns the PUBACK reason code (0 = accepted, 135 = not authorized). */
function publish(client: MqttClient, topic: string, payload: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.publish(topic, payload, { qos: 1 }, (error, packet) => {
      if (error) {
        const code = (error as { code?: number }).code;
        if (typeof code === 'number') resolve(code);
        else reject(error);
      } else resolve((packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
    });
  });
}

before(async () => {
  // A throwaway CA and a server certificate for localhost.
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=arcedge test CA']);
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  run('mosquitto_passwd', ['-c', '-b', 'arcedge.passwd', 'arcedge-host', 'host-secret']);
  run('mosquitto_passwd', ['-b', 'arcedge.passwd', 'door-1', 'door-1-secret']);
  run('mosquitto_passwd', ['-b', 'arcedge.passwd', 'door-2', 'door-2-secret']);
  writeFileSync(join(dir, 'arcedge.acl'), readFileSync(join(root, 'examples', 'broker', 'arcedge.acl')));
  port = await freePort();
  // The example config, with its paths pointed here and a free port.
  const config = readFileSync(join(root, 'examples', 'broker', 'mosquitto.conf'), 'utf8')
    .replaceAll('/etc/mosquitto/certs/', `${dir}/`)
    .replaceAll('/etc/mosquitto/', `${dir}/`)
    .replace('listener 8883', `listener ${port} 127.0.0.1`);
  // Started as root, mosquitto would switch to the mosquitto user and lose access to this folder.
  writeFileSync(join(dir, 'mosquitto.conf'), `${config}\n${process.getuid?.() === 0 ? 'user root\n' : ''}`);
  broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  broker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 50 && !/running/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(log, /running/, log);
});

after(async () => {
  for (const client of clients) client.end(true);
  broker?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('wrong password and anonymous connections are refused', async () => {
  await assert.rejects(connect('door-1', 'wrong'));
  await assert.rejects(connect('', ''));
});

test("a device publishes under its own subtree only; never another device's topics or any cmd/ topic", async () => {
  const host = await connect('arcedge-host', 'host-secret');
  const door1 = await connect('door-1', 'door-1-secret');
  const seen: string[] = [];
  host.on('message', (topic) => seen.push(topic));
  await host.subscribeAsync('arcedge/#', { qos: 1 });

  assert.equal(await publish(door1, 'arcedge/door-1/events/recognition', '{}'), 0);
  assert.equal(await publish(door1, 'arcedge/door-1/status', 'online'), 0);
  // MQTT 5 PUBACK reason 135: not authorized.
  assert.equal(await publish(door1, 'arcedge/door-2/events/recognition', '{}'), 135);
  assert.equal(await publish(door1, 'arcedge/door-2/status', 'offline'), 135);
  assert.equal(await publish(door1, 'arcedge/door-1/cmd/enroll', '{}'), 135);
  assert.equal(await publish(door1, 'arcedge/door-2/cmd/forget', '{}'), 135);
  assert.equal(await publish(door1, 'elsewhere/topic', 'x'), 135);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(seen.sort(), ['arcedge/door-1/events/recognition', 'arcedge/door-1/status']);
});

test('only the host commands a device, and a device reads only its own commands', async () => {
  const host = await connect('arcedge-host', 'host-secret');
  const door1 = await connect('door-1', 'door-1-secret');
  const door2 = await connect('door-2', 'door-2-secret');
  const got1: string[] = [];
  const got2: string[] = [];
  door1.on('message', (topic) => got1.push(topic));
  door2.on('message', (topic) => got2.push(topic));
  await door1.subscribeAsync('arcedge/door-1/cmd/#', { qos: 1 });
  // mosquitto grants the subscription but checks the read ACL at delivery: nothing arrives.
  await door2.subscribeAsync('arcedge/door-1/cmd/#', { qos: 1 });
  assert.equal(await publish(host, 'arcedge/door-1/cmd/status', '{"id":"r1"}'), 0);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(got1, ['arcedge/door-1/cmd/status']);
  assert.deepEqual(got2, []);
});

test('arcedge devices with the host account over TLS lists a device; a wrong password fails at once', async () => {
  const door1 = await connect('door-1', 'door-1-secret');
  const status = { device: 'door-1', state: 'online', ts: new Date().toISOString(), version: '0.1.0' };
  await new Promise<void>((resolve, reject) => door1.publish('arcedge/door-1/status', JSON.stringify(status), { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve())));
  writeFileSync(join(dir, 'host.pw'), 'host-secret\n', { mode: 0o600 });
  writeFileSync(join(dir, 'wrong.pw'), 'nope\n', { mode: 0o600 });
  const run = async (password: string) => {
    const args = ['devices', '--broker', `mqtts://127.0.0.1:${port}`, '--ca', join(dir, 'ca.crt'), '--username', 'arcedge-host', '--password-file', join(dir, password), '--json'];
    const r = await cli(args);
    return { code: r.code, out: r.stdout, err: r.stderr };
  };

  const ok = await run('host.pw');
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual((JSON.parse(ok.out) as { devices: { device: string; state: string; agentVersion: string }[] }).devices, [{ device: 'door-1', state: 'online', agentVersion: '0.1.0', ts: status.ts }]);
  const started = Date.now();
  const bad = await run('wrong.pw');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /BROKER_UNREACHABLE.*refused/);
  assert.ok(Date.now() - started < 5000, `a refused login is reported at once, not after the connect timeout (${Date.now() - started} ms)`);
});
