/**
 * The outbox after a long outage: tens of thousands of events wait on disk, then the broker comes
 * back. The drain must be linear (an in-memory index, O(1) per publish and PUBACK): the events/s
 * for 50,000 must be close to the events/s for 5,000. On the directory-listing outbox each PUBACK
 * re-listed and re-sorted the whole directory, so 50,000 took hours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { connectMqtt } from '../../sdk/internal.ts';
import { startEmbeddedBroker } from '../../agent/mqtt/embedded-broker.ts';
import { Outbox } from '../../agent/mqtt/outbox.ts';
import { EventPublisher } from '../../agent/mqtt/publisher.ts';

/** Writes `count` queued events as an outage leaves them (names in creation order), then drains them. */
async function drain(count: number): Promise<{ eventsPerSec: number; received: number; ordered: boolean; left: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-outbox-'));
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, maxPacketBytes: 1024 * 1024, deviceId: 'drain' });
  // Closed in finally, so a failed subscribe or a stalled drain ends the test instead of keeping
  // the process alive on reconnecting clients.
  let subscriber: mqtt.MqttClient | undefined;
  let connection: ReturnType<typeof connectMqtt> | undefined;
  try {
    for (let i = 0; i < count; i++) {
      const name = `${(1_700_000_000_000 + i).toString().padStart(15, '0')}-${i.toString().padStart(8, '0')}-1.json`;
      writeFileSync(join(dir, name), JSON.stringify({ id: `e${i}`, seq: i }));
    }
    const sub = (subscriber = mqtt.connect(broker.url, { protocolVersion: 4 }));
    let received = 0;
    let lastSeq = -1;
    let ordered = true;
    sub.on('message', (_topic, payload) => {
      const seq = (JSON.parse(payload.toString()) as { seq: number }).seq;
      if (seq <= lastSeq) ordered = false;
      lastSeq = seq;
      received++;
    });
    await new Promise<void>((resolve, reject) => sub.on('connect', () => sub.subscribe('arcedge/drain/events/recognition', { qos: 0 }, (e) => (e ? reject(e) : resolve()))));
    const started = performance.now();
    const outbox = new Outbox(dir); // lists the directory once
    const publisher = new EventPublisher(outbox, 'arcedge/drain/events/recognition', (e) => assert.fail(e));
    const conn = (connection = connectMqtt(
      { url: broker.url, clientId: `drain-${count}`, keepaliveSec: 30, reconnectMs: 1000 },
      { connect: () => publisher.connected(conn), close: () => publisher.disconnected(), message: () => {}, error: () => {} },
    ));
    while (outbox.size() > 0) {
      assert.ok(performance.now() - started < 240_000, `the drain stalled with ${outbox.size()} of ${count} events left`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    while (received < count && performance.now() - started < seconds * 1000 + 5000) await new Promise((r) => setTimeout(r, 20));
    return { eventsPerSec: count / seconds, received, ordered, left: readdirSync(dir).length };
  } finally {
    await connection?.end(true);
    await new Promise<void>((resolve) => (subscriber ? subscriber.end(true, {}, () => resolve()) : resolve()));
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('50,000 queued events drain in linear time, in order, and leave nothing on disk', { timeout: 300_000 }, async () => {
  const small = await drain(5_000);
  const large = await drain(50_000);
  console.log(`outbox drain: 5,000 at ${small.eventsPerSec.toFixed(0)} events/s, 50,000 at ${large.eventsPerSec.toFixed(0)} events/s`);
  for (const r of [small, large]) {
    assert.equal(r.left, 0, 'every acknowledged file is deleted');
    assert.ok(r.ordered, 'events go out oldest first');
  }
  assert.equal(large.received, 50_000, 'the subscriber saw every event');
  // Linear: ten times the backlog at (nearly) the same rate. O(N^2) would be ~10x slower per event.
  assert.ok(large.eventsPerSec >= small.eventsPerSec * 0.5, `50k drained at ${large.eventsPerSec.toFixed(0)}/s vs 5k at ${small.eventsPerSec.toFixed(0)}/s`);
});
