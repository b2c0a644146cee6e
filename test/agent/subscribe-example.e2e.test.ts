/** examples/subscribe-events.ts against a real mosquitto: prints each event once (dedupe by id). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { RecognitionEventSchema, type RecognitionEvent } from '../../sdk/index.ts';
import { repoRoot } from '../helpers/assets.ts';
import { startMosquitto } from './mosquitto.ts';
import { waitFor } from './harness.ts';

test('subscribe-events prints each event once, redeliveries included', { timeout: 90_000 }, async () => {
  const broker = await startMosquitto(join(repoRoot, 'test', '.tmp', 'agent-example-broker'));
  after(() => broker.kill());
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'examples', 'subscribe-events.ts'), '--url', broker.url, '--device', 'ex', '--count', '2'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await waitFor('example listening', () => stderr.includes('listening'), 60_000);
  const event = (type: RecognitionEvent['type'], identity: RecognitionEvent['identity']): RecognitionEvent =>
    RecognitionEventSchema.parse({ id: randomUUID(), type, device: 'ex', camera: 'door', track: 1, identity, score: 0.71, ts: new Date().toISOString(), box: { x1: 1, y1: 2, x2: 30, y2: 40 } });
  const first = event('recognized', { id: 'ada', name: 'Ada' });
  const second = event('track_end', { id: 'ada', name: 'Ada' });
  const pub = mqtt.connect(broker.url, { protocolVersion: 4 });
  after(() => pub.end(true));
  await waitFor('publisher connected', () => pub.connected, 10_000);
  for (const e of [first, first, second]) await pub.publishAsync('arcedge/ex/events/recognition', JSON.stringify(e), { qos: 1 });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 2, stdout);
  assert.match(lines[0]!, /track 1: recognized Ada \(ada\) score 0\.71/);
  assert.match(lines[1]!, /track_end Ada/);
});
