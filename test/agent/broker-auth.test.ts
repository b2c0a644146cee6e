/**
 * The embedded broker's policy (agent/mqtt/broker-auth.ts) and wire packet limit
 * (agent/mqtt/packet-guard.ts), in-process; test/agent/hostile-mqtt.e2e.test.ts runs them in a
 * live agent.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isArcEdgeError } from '../../sdk/index.ts';
import { AGENT_USERNAME, brokerPolicy, isLoopback, readUsersFile } from '../../agent/mqtt/broker-auth.ts';
import { PacketSizeTracker } from '../../agent/mqtt/packet-guard.ts';
import { dropRetainedCommand } from '../../agent/commands/retained.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-broker-auth-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('no users on a network address is refused unless allowAnonymous; loopback stays anonymous', () => {
  assert.throws(() => brokerPolicy({ host: '0.0.0.0', users: [], allowAnonymous: false, deviceId: 'd', haPrefix: 'homeassistant' }), (e) => isArcEdgeError(e, 'CONFIG_INVALID') && /allowAnonymous/.test(e.fix));
  assert.throws(() => brokerPolicy({ host: '192.168.1.5', users: [], allowAnonymous: false, deviceId: 'd', haPrefix: 'homeassistant' }), (e) => isArcEdgeError(e, 'CONFIG_INVALID'));
  assert.equal(brokerPolicy({ host: '0.0.0.0', users: [], allowAnonymous: true, deviceId: 'd', haPrefix: 'homeassistant' }).anonymous, true);
  const local = brokerPolicy({ host: '127.0.0.1', users: [], allowAnonymous: false, deviceId: 'd', haPrefix: 'homeassistant' });
  assert.equal(local.authenticate(undefined, undefined), 'operator');
  assert.equal(local.agent, undefined);
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'device.local']) assert.ok(!isLoopback(h), h);
});

test('users: passwords checked, anonymous refused, the per-device ACL of examples/broker', () => {
  const p = brokerPolicy({
    host: '0.0.0.0',
    users: [
      { username: 'arcedge-host', password: 'op', role: 'operator' },
      { username: 'door-2', password: 'dev', role: 'device' },
    ],
    allowAnonymous: false,
    deviceId: 'door-1',
    haPrefix: 'homeassistant',
  });
  assert.equal(p.authenticate(undefined, undefined), undefined, 'anonymous');
  assert.equal(p.authenticate('arcedge-host', Buffer.from('nope')), undefined);
  assert.equal(p.authenticate('nobody', Buffer.from('op')), undefined);
  assert.equal(p.authenticate('arcedge-host', Buffer.from('op')), 'operator');
  assert.equal(p.authenticate('door-2', Buffer.from('dev')), 'device');
  assert.equal(p.authenticate(AGENT_USERNAME, Buffer.from(p.agent!.password)), 'agent');
  // operator
  assert.ok(p.canPublish('operator', 'arcedge-host', 'arcedge/door-1/cmd/forget'));
  assert.ok(p.canSubscribe('operator', 'arcedge-host', 'arcedge/#'));
  assert.ok(!p.canSubscribe('operator', 'arcedge-host', '#'));
  assert.ok(!p.canPublish('operator', 'arcedge-host', '$SYS/x'));
  // another device: its own topics only, never commands
  assert.ok(p.canPublish('device', 'door-2', 'arcedge/door-2/events/recognition'));
  assert.ok(p.canPublish('device', 'door-2', 'arcedge/door-2/status'));
  assert.ok(!p.canPublish('device', 'door-2', 'arcedge/door-1/cmd/forget'));
  assert.ok(!p.canPublish('device', 'door-2', 'arcedge/door-2/cmd/forget'), 'not even its own commands');
  assert.ok(!p.canPublish('device', 'door-2', 'arcedge/door-1/status'), 'cannot speak for another device');
  assert.ok(p.canSubscribe('device', 'door-2', 'arcedge/door-2/cmd/+'));
  assert.ok(!p.canSubscribe('device', 'door-2', 'arcedge/door-1/cmd/+'));
  assert.ok(!p.canSubscribe('device', 'door-2', 'arcedge/+/cmd/+'));
  // the agent itself
  assert.ok(p.canSubscribe('agent', AGENT_USERNAME, 'arcedge/door-1/cmd/+'));
  assert.ok(p.canPublish('agent', AGENT_USERNAME, 'arcedge/door-1/reply/r1'));
  assert.ok(p.canPublish('agent', AGENT_USERNAME, 'homeassistant/sensor/x/config'));
  assert.ok(!p.canPublish('agent', AGENT_USERNAME, 'arcedge/door-2/status'));
  assert.throws(() => brokerPolicy({ host: '127.0.0.1', users: [{ username: AGENT_USERNAME, password: 'x', role: 'operator' }], allowAnonymous: false, deviceId: 'd', haPrefix: 'h' }), (e) => isArcEdgeError(e, 'CONFIG_INVALID'));
});

test('the users file must be 0600 and well formed', () => {
  const path = join(work, 'users');
  writeFileSync(path, '# accounts\noperator arcedge-host:s3cret:with:colons\ndevice door-2:pw\nplain:pw2\n', { mode: 0o644 });
  chmodSync(path, 0o644);
  assert.throws(() => readUsersFile(path), (e) => isArcEdgeError(e, 'CONFIG_INVALID') && /chmod 600/.test(e.fix));
  chmodSync(path, 0o600);
  assert.deepEqual(readUsersFile(path), [
    { role: 'operator', username: 'arcedge-host', password: 's3cret:with:colons' },
    { role: 'device', username: 'door-2', password: 'pw' },
    { role: 'operator', username: 'plain', password: 'pw2' },
  ]);
  writeFileSync(path, 'no-colon-here\n');
  assert.throws(() => readUsersFile(path), (e) => isArcEdgeError(e, 'CONFIG_INVALID'));
});

/** An MQTT 3.1.1 QoS 0 PUBLISH (section 3.3), written by hand: fixed header, varint length, topic, payload. */
function publishPacket(topic: string, payload: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), Buffer.from(topic), payload]);
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x30, ...len]), body]);
}

test('the packet limit trips on the header of an oversized publish, across chunk boundaries, before its payload', () => {
  const small = publishPacket('arcedge/d/cmd/status', Buffer.alloc(1000));
  const big = publishPacket('arcedge/d/cmd/enroll', Buffer.alloc(300_000));
  const tracker = new PacketSizeTracker(200_000);
  // Many small packets, fed a byte at a time and in odd splits: never tripped.
  const stream = Buffer.concat([small, small, small]);
  for (let i = 0; i < stream.length; i += 7) assert.equal(tracker.feed(stream.subarray(i, i + 7)), undefined);
  // The big one: tripped by its first 4 bytes (type + length varint), the payload never needed.
  assert.equal(tracker.feed(big.subarray(0, 2)), undefined);
  assert.equal(tracker.feed(big.subarray(2, 4)), big.length - 4);
  assert.equal(new PacketSizeTracker(10).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), 'malformed');
});

test('retained command messages are dropped with a log line and cleared; live ones pass (finding 6)', async () => {
  const logs: string[] = [];
  const cleared: { topic: string; payload: string; retain?: boolean }[] = [];
  const conn = { publish: async (topic: string, payload: string, o: { qos: 0 | 1; retain?: boolean }) => void cleared.push({ topic, payload, retain: o.retain }) };
  const log = (_l: string, msg: string) => void logs.push(msg);
  assert.equal(await dropRetainedCommand('arcedge/d/cmd/forget', Buffer.from('{"personId":"ada"}'), false, conn, log), false);
  assert.equal(await dropRetainedCommand('arcedge/d/cmd/forget', Buffer.from('{"personId":"ada"}'), true, conn, log), true);
  assert.deepEqual(cleared, [{ topic: 'arcedge/d/cmd/forget', payload: '', retain: true }]);
  assert.match(logs.join('\n'), /retained command ignored/);
  assert.equal(await dropRetainedCommand('arcedge/d/cmd/forget', Buffer.alloc(0), false, conn, log), true, 'the clear itself is not a command');
});
