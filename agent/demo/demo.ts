/**
 * `npm start` / `arcedge-agent --demo`: the agent on embedded defaults. An embedded broker, the
 * `default` model set, a clip built with ffmpeg from the dev photos (../shared/assets/faces, or
 * $ARCEDGE_ASSETS) with three people enrolled and two strangers, and every event printed as it
 * arrives. `--source <url>` watches a real camera instead (nobody enrolled).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isArcEdgeError, type RecognitionEvent } from '../../sdk/index.ts';
import { Agent } from '../agent.ts';
import { parseConfig } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { buildClip } from './clip.ts';

const TRAIN = ['faces', 'face_recognition', 'examples', 'knn_examples', 'train'];
/** Enrolled with one photo, shown in the clip with another. */
export const DEMO_PEOPLE = [
  { id: 'biden', name: 'Joe Biden', enroll: 'biden/biden.jpg', show: 'biden/biden2.jpg' },
  { id: 'obama', name: 'Barack Obama', enroll: 'obama/obama.jpg', show: 'obama/obama2.jpg' },
  { id: 'kit', name: 'Kit Harington', enroll: 'kit_harington/john1.jpeg', show: 'kit_harington/john2.jpeg' },
] as const;
export const DEMO_STRANGERS = ['alex_lacamoire/img1.jpg', 'rose_leslie/img1.jpg'] as const;

function findAssets(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [process.env.ARCEDGE_ASSETS, resolve(process.cwd(), '..', 'shared', 'assets'), resolve(here, '..', '..', '..', 'shared', 'assets'), resolve(here, '..', '..', '..', '..', 'shared', 'assets')];
  return candidates.find((d): d is string => !!d && existsSync(join(d, ...TRAIN)));
}

function printEvent(event: RecognitionEvent): void {
  const who = event.identity ? event.identity.name : 'unknown person';
  const line = `${event.ts.slice(11, 19)}  ${event.camera}  ${event.type.padEnd(10)}  ${who.padEnd(16)}  score ${event.score.toFixed(2)}  track ${event.track}`;
  console.log(line);
}

/** 1883 when free (the MQTT default), else any free port: another broker may already run here. */
function demoPort(): Promise<number> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(0));
    probe.listen(1883, '127.0.0.1', () => probe.close(() => resolvePort(1883)));
  });
}

export async function runDemo(options: { source?: string }): Promise<number> {
  const assets = findAssets();
  const work = join(tmpdir(), 'arcedge-demo');
  let source = options.source;
  if (!source) {
    if (!assets) {
      console.error('arcedge demo: no camera given and no dev photos found (../shared/assets or $ARCEDGE_ASSETS).\nRun `npm start -- --source rtsp://<camera>` (or v4l2:///dev/video0, file:///clip.mp4).');
      return 2;
    }
    const train = join(assets, ...TRAIN);
    const photos = [DEMO_PEOPLE[0].show, DEMO_STRANGERS[0], DEMO_PEOPLE[1].show, DEMO_STRANGERS[1], DEMO_PEOPLE[2].show].map((p) => join(train, p));
    console.log('arcedge demo: building a clip from the dev photos with ffmpeg ...');
    const clip = await buildClip(photos, join(work, 'demo-clip.mp4'));
    source = `file://${clip.path}`;
  }
  for (const f of ['gallery.db', 'gallery.db-wal', 'gallery.db-shm']) rmSync(join(work, f), { force: true });
  rmSync(join(work, 'data'), { recursive: true, force: true });
  const config = parseConfig(
    {
      device: { id: 'demo' },
      mqtt: { embedded: { host: '127.0.0.1', port: await demoPort() } },
      models: 'default',
      gallery: join(work, 'gallery.db'),
      dataDir: join(work, 'data'),
      cameras: [{ id: 'front', source, loop: true }],
      recognition: { cooldownSec: 0 },
      metrics: { intervalSec: 60 },
      log: { level: 'warn' },
    },
    work,
    'demo config',
  );
  const agent = new Agent(config, createLogger('warn'), { event: printEvent });
  const stop = async () => {
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  try {
    console.log('arcedge demo: loading models (the `default` set is fetched from npm on first use) ...');
    await agent.start();
    if (!options.source && assets) {
      for (const person of DEMO_PEOPLE) {
        const image = readFileSync(join(assets, ...TRAIN, person.enroll));
        await agent.host!.call('enroll', { personId: person.id, name: person.name, image: new Uint8Array(image) });
      }
      console.log(`arcedge demo: enrolled ${DEMO_PEOPLE.map((p) => p.name).join(', ')}; the clip also shows 2 strangers.`);
    }
    console.log(`arcedge demo: broker ${agent.brokerUrl}; events on ${agent.topics.events} (mosquitto_sub -h 127.0.0.1 -p ${new URL(agent.brokerUrl!).port} -t 'arcedge/#' -v). Ctrl-C stops.\n`);
  } catch (error) {
    console.error(isArcEdgeError(error) ? `[${error.code}] ${error.message}` : String(error));
    await agent.stop().catch(() => {});
    return 1;
  }
  return -1;
}
