/**
 * Listen to an arcedge agent: print each recognition event once, as it arrives.
 *
 *   npx tsx examples/subscribe-events.ts [--url mqtt://127.0.0.1:1883] [--device demo] [--count N]
 *
 * Events are QoS 1 and the agent re-sends what it cannot confirm (its outbox survives broker
 * outages and restarts), so delivery is at least once: dedupe on `event.id`. A fixed client id
 * with clean: false lets the broker keep events for us while we are away. The same with
 * mosquitto_sub: `mosquitto_sub -h 127.0.0.1 -t 'arcedge/demo/events/recognition' -q 1 -c -i me`.
 */
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { deviceTopics, RecognitionEventSchema } from '../sdk/index.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    device: { type: 'string', default: 'demo' },
    count: { type: 'string' },
    'client-id': { type: 'string', default: `arcedge-example-${process.pid}` },
  },
});
const topics = deviceTopics(values.device!);
const stopAfter = values.count ? Number(values.count) : Infinity;
const seen = new Set<string>();
let printed = 0;

const client = mqtt.connect(values.url!, { clientId: values['client-id']!, clean: false, protocolVersion: 4 });
client.on('connect', () => {
  client.subscribe([topics.events, topics.cameraStatus('+')], { qos: 1 });
  console.error(`listening on ${topics.events} at ${values.url}`);
});
client.on('error', (error) => console.error(`mqtt: ${error.message}`));
client.on('message', (topic, payload) => {
  if (topic !== topics.events) {
    const status = JSON.parse(payload.toString()) as { camera: string; state: string; reason?: string };
    console.error(`camera ${status.camera}: ${status.state}${status.reason ? ` (${status.reason})` : ''}`);
    return;
  }
  const parsed = RecognitionEventSchema.safeParse(JSON.parse(payload.toString()));
  if (!parsed.success) return console.error(`ignored an invalid event: ${parsed.error.issues[0]?.message}`);
  const event = parsed.data;
  if (seen.has(event.id)) return; // a redelivery
  seen.add(event.id);
  if (seen.size > 10_000) seen.delete(seen.values().next().value!);
  const who = event.identity ? `${event.identity.name} (${event.identity.id})` : 'unknown person';
  console.log(`${event.ts} ${event.camera} track ${event.track}: ${event.type} ${who} score ${event.score.toFixed(2)}`);
  if (++printed >= stopAfter) client.end(false, {}, () => process.exit(0));
});
