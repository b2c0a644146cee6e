/**
 * The web API end to end, on a real agent watching the test clip (3 dev-photo people, 2
 * strangers; test/agent/fixtures.ts): two people are enrolled by photo upload, the camera is
 * switched on (MQTT reload), and then: events with the right names and snapshots, filters and
 * paging, the MQTT `events` command answering from the same store, live frames (nothing encoded
 * while nobody watches), enroll from an event snapshot, people with crops, rename, merge,
 * template delete, and forget: the gallery database, the events database and the snapshot
 * folder are checked directly.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { EventsPageSchema, type EventsPage } from '../../sdk/index.ts';
import { PeopleSchema } from '../../sdk/internal.ts';
import { Subscriber, writeConfig } from '../agent/harness.ts';
import { buildClip } from '../../agent/demo/clip.ts';
import { ENROLLED, STRANGERS } from '../agent/fixtures.ts';
import { assetFace, repoRoot } from '../helpers/assets.ts';
import { bearer, startWebAgent, webConfig, type WebAgent } from './web-harness.ts';

const dir = join(repoRoot, 'test', '.tmp', 'web-api');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

const isJpeg = (bytes: Uint8Array) => bytes.length > 100 && bytes[0] === 0xff && bytes[1] === 0xd8;
const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string, options?: { readonly?: boolean }) => { prepare(sql: string): { get(...p: unknown[]): unknown; all(...p: unknown[]): unknown[] }; close(): void };

async function json<T = unknown>(r: Promise<Response> | Response): Promise<T> {
  const res = await r;
  const text = await res.text();
  assert.ok(res.ok, `${res.url}: ${res.status} ${text.slice(0, 400)}`);
  return JSON.parse(text) as T;
}

function snapshotFiles(): string[] {
  const root = join(dir, 'data', 'snapshots');
  return existsSync(root) ? readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.jpg')).map((f) => f.split('/').pop()!) : [];
}

test('web API on a running agent: events, paging, MQTT events, live, enroll from an event, gallery edits, forget', { timeout: 420_000 }, async () => {
  // Biden, a stranger, Obama, Kit Harington (not enrolled yet): 3 s each, so that a slow shared
  // CI machine still gets enough frames of every face to decide.
  const clip = await buildClip([ENROLLED[0]!.show, STRANGERS[0]!, ENROLLED[1]!.show, ENROLLED[2]!.show], join(dir, 'clip.mp4'), { showSec: 3, gapSec: 1.5 });
  const config = await webConfig(dir);
  const web: WebAgent = await startWebAgent(dir, config);
  cleanup.push(() => web.agent.kill('SIGKILL'));
  const api = (path: string, init?: RequestInit) => bearer(`${web.url}${path}`, init);
  const post = (path: string, body: unknown, method = 'POST') => api(path, { method, body: JSON.stringify(body) });

  // 1. Enroll Biden and Obama by photo upload (Kit Harington stays unknown for now).
  for (const person of ENROLLED.slice(0, 2)) {
    const r = await json<{ person: { id: string } }>(post('/api/people', { name: person.name, personId: person.id, image: readFileSync(person.enroll).toString('base64') }));
    assert.equal(r.person.id, person.id);
  }
  const bad = await post('/api/people', { name: 'X', image: 'not base64 at all!' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'COMMAND_INVALID');
  const invalid = await post('/api/people/biden/rename', { name: '', extra: 1 });
  assert.equal(invalid.status, 400);

  // 2. Switch the camera on (config rewrite + MQTT reload: the web server comes back on the same port).
  const sub = new Subscriber(web.brokerUrl, 'arcedge/web/#', 'web-api-test');
  cleanup.push(() => sub.end());
  await sub.ready();
  writeConfig(web.configPath, { ...config, cameras: [{ id: 'door', source: `file://${clip.path}`, stallTimeoutSec: 10 }] });
  const reload = await sub.command('web', 'reload', { id: 'reload-1' }, 'reload-1');
  assert.equal(reload.ok, true, JSON.stringify(reload));
  const deadline = Date.now() + 150_000;
  let cameras: { id: string; state: string }[] = [];
  while (Date.now() < deadline) {
    const r = await api('/api/cameras').catch(() => undefined);
    if (r?.ok) cameras = (await r.json()) as typeof cameras;
    if (cameras.find((c) => c.id === 'door')?.state === 'stopped') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(cameras.find((c) => c.id === 'door')?.state, 'stopped', `camera states: ${JSON.stringify(cameras)}\n${web.agent.tail()}`);
  await new Promise((r) => setTimeout(r, 1500)); // the last track_end events

  // 3. The history: one decision per appearance, right names, snapshots served.
  const all = EventsPageSchema.parse(await json(api('/api/events?limit=500')));
  const decided = [...all.events].reverse();
  assert.deepEqual(decided.map((e) => e.personId), ['biden', null, 'obama', null], `decisions: ${JSON.stringify(decided)}`);
  assert.deepEqual(decided.map((e) => e.name), ['Joe Biden', null, 'Barack Obama', null]);
  for (const e of decided) {
    assert.ok(e.snapshotUrl, `event ${e.id} has a snapshot although the camera sends none over MQTT`);
    const r = await api(e.snapshotUrl);
    assert.equal(r.headers.get('content-type'), 'image/jpeg');
    assert.ok(isJpeg(new Uint8Array(await r.arrayBuffer())));
  }
  const withEnds = EventsPageSchema.parse(await json(api('/api/events?type=track_end&limit=500')));
  assert.equal(withEnds.events.length, 4, 'track_end events are kept too, and filtered by type');

  // 4. Filters and paging agree with the full list.
  const byPerson = EventsPageSchema.parse(await json(api('/api/events?person=obama')));
  assert.deepEqual(byPerson.events.map((e) => e.id), all.events.filter((e) => e.personId === 'obama').map((e) => e.id));
  assert.equal(EventsPageSchema.parse(await json(api('/api/events?camera=nowhere'))).events.length, 0);
  const middle = decided[2]!.ts;
  const fromMiddle = EventsPageSchema.parse(await json(api(`/api/events?from=${encodeURIComponent(middle)}`)));
  assert.deepEqual(fromMiddle.events.map((e) => e.id), all.events.filter((e) => Date.parse(e.ts) >= Date.parse(middle)).map((e) => e.id));
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page: EventsPage = EventsPageSchema.parse(await json(api(`/api/events?limit=2${cursor ? `&before=${cursor}` : ''}`)));
    paged.push(...page.events.map((e) => e.id));
    cursor = page.next;
  } while (cursor);
  assert.deepEqual(paged, all.events.map((e) => e.id), 'pages of 2 walk the same events in the same order');
  assert.equal((await api('/api/events?limit=0')).status, 400);

  // 5. The MQTT events command answers from the same store with the same filters.
  const mqtt = await sub.command('web', 'events', { id: 'ev-1', person: 'biden', limit: 10 }, 'ev-1');
  assert.equal(mqtt.ok, true, JSON.stringify(mqtt));
  assert.deepEqual((mqtt.result as EventsPage).events.map((e) => e.id), all.events.filter((e) => e.personId === 'biden').map((e) => e.id));

  // 5b. The web's status is the status command's (one builder, agent/status.ts), with the web's extras.
  const statusReply = await sub.command('web', 'status', { id: 'st-1' }, 'st-1');
  assert.equal(statusReply.ok, true, JSON.stringify(statusReply));
  const local = statusReply.result as Record<string, unknown>;
  const webStatus = await json<Record<string, unknown>>(api('/api/status'));
  for (const key of ['device', 'phase', 'version', 'models', 'model', 'gallery', 'threshold', 'pipeline']) assert.deepEqual(webStatus[key], local[key], `/api/status ${key}`);
  assert.equal(webStatus.agentVersion, local.version);
  assert.equal(webStatus.broker, undefined, 'no broker URL in the web status (it may carry credentials)');

  // 6. Live: nothing was encoded while nobody watched; frame.jpg and MJPEG serve annotated frames.
  const before = (await json<{ live: { framesEncoded: number; viewers: number } }>(api('/api/status'))).live;
  assert.deepEqual(before, { framesEncoded: 0, viewers: 0 }, 'no live frame is encoded without a viewer');
  const frame = await api('/api/cameras/door/frame.jpg');
  assert.equal(frame.status, 200);
  assert.ok(isJpeg(new Uint8Array(await frame.arrayBuffer())));
  const controller = new AbortController();
  const live = await bearer(`${web.url}/api/cameras/door/live`, { signal: controller.signal });
  assert.match(live.headers.get('content-type') ?? '', /^multipart\/x-mixed-replace; boundary=frame/);
  const reader = live.body!.getReader();
  let received = Buffer.alloc(0);
  const started = Date.now();
  while ((received.toString('latin1').match(/--frame\r\n/g) ?? []).length < 3 && Date.now() - started < 15_000) {
    const { value, done } = await reader.read();
    if (done) break;
    received = Buffer.concat([received, Buffer.from(value)]);
  }
  assert.ok((received.toString('latin1').match(/--frame\r\nContent-Type: image\/jpeg\r\n/g) ?? []).length >= 3, 'three MJPEG parts');
  assert.ok(received.includes(Buffer.from([0xff, 0xd8, 0xff])), 'the parts are JPEGs');
  controller.abort();
  await reader.cancel().catch(() => {});
  await new Promise((r) => setTimeout(r, 1000));
  const afterLeave = (await json<{ live: { framesEncoded: number; viewers: number } }>(api('/api/status'))).live;
  assert.equal(afterLeave.viewers, 0);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await json<{ live: { framesEncoded: number } }>(api('/api/status'))).live.framesEncoded, afterLeave.framesEncoded, 'no encoding after the last viewer left');

  // 7. Enroll the unknown face of the last appearance (Kit Harington) from its event snapshot.
  const kitEvent = decided[3]!;
  const enrolled = await json<{ person: { id: string; faces: number } }>(post(`/api/events/${kitEvent.id}/enroll`, { name: 'Kit Harington', personId: 'kit' }));
  assert.deepEqual([enrolled.person.id, enrolled.person.faces], ['kit', 1]);
  assert.equal((await post('/api/events/no-such-event/enroll', { name: 'X' })).status, 404);
  assert.ok(EventsPageSchema.parse(await json(api('/api/events?person=kit'))).events.some((e) => e.id === kitEvent.id), 'the event the face came from now names him');

  // 8. People with crops; add a photo; rename; merge; delete a template.
  let people = PeopleSchema.parse(await json(api('/api/people')));
  assert.deepEqual(people.map((p) => p.id).sort(), ['biden', 'kit', 'obama']);
  const kitCrop = await api(people.find((p) => p.id === 'kit')!.templates[0]!.cropUrl);
  assert.ok(isJpeg(new Uint8Array(await kitCrop.arrayBuffer())));
  assert.equal(people.find((p) => p.id === 'kit')!.templates[0]!.source, `event:${kitEvent.id}`);
  await json(post('/api/people/obama/photos', { image: readFileSync(ENROLLED[1]!.show).toString('base64') }));
  await json(post('/api/people/obama/rename', { name: 'Barack H. Obama' }));
  assert.ok(EventsPageSchema.parse(await json(api('/api/events?person=obama'))).events.every((e) => e.name === 'Barack H. Obama'), 'events show the new name');
  // A group photo: the one-step route refuses it; the freeze route offers every face, and a face
  // that is not Obama is refused for him with both faces named, until confirmed.
  const group = readFileSync(assetFace('faceapi_bbt', 'bbt1.jpg')).toString('base64');
  const ambiguous = await post('/api/people/obama/photos', { image: group });
  assert.equal(ambiguous.status, 400);
  assert.equal(((await ambiguous.json()) as { error: { code: string } }).error.code, 'FACE_AMBIGUOUS');
  const obamaFaces = () => json(api('/api/people')).then((all) => PeopleSchema.parse(all).find((p) => p.id === 'obama')!.templates.length);
  const obamaBefore = await obamaFaces();
  const frozen = await json<{ faces: { token: string; crop: string }[] }>(post('/api/faces', { image: group }));
  assert.ok(frozen.faces.length >= 2 && frozen.faces.every((f) => f.crop.startsWith('data:image/jpeg;base64,')), `${frozen.faces.length} faces`);
  const conflict = await post(`/api/faces/${frozen.faces[0]!.token}/enroll`, { name: 'Barack H. Obama', personId: 'obama' });
  assert.equal(conflict.status, 409);
  const conflictError = ((await conflict.json()) as { error: { code: string; details: { kind: string; target: { personId: string; cropUrl: string } } } }).error;
  assert.equal(conflictError.code, 'FACE_CONFLICT');
  assert.equal(conflictError.details.kind, 'not-this-person');
  assert.match(conflictError.details.target.cropUrl, /^\/api\/people\/obama\/templates\//);
  assert.equal(await obamaFaces(), obamaBefore, 'nothing was added');
  assert.equal((await post('/api/faces/no-such-token/enroll', { name: 'X' })).status, 404);
  const device = await json<{ host: { cpu: { cores: number } }; mqtt: { connected: boolean }; gallery: { identities: number } }>(api('/api/device'));
  assert.ok(device.host.cpu.cores >= 1 && device.mqtt.connected && device.gallery.identities === 3, JSON.stringify(device).slice(0, 300));
  await json(post('/api/people', { name: 'Stranger One', personId: 'stranger', image: readFileSync(STRANGERS[0]!).toString('base64') }));
  const merged = await json<{ id: string; faces: number }>(post('/api/people/stranger/merge', { into: 'kit' }));
  assert.deepEqual([merged.id, merged.faces], ['kit', 2]);
  people = PeopleSchema.parse(await json(api('/api/people')));
  assert.deepEqual(people.map((p) => p.id).sort(), ['biden', 'kit', 'obama'], 'the merged person is gone');
  const kitTemplates = people.find((p) => p.id === 'kit')!.templates;
  const removed = kitTemplates.find((t) => t.source === 'web:upload')!;
  await json(api(`/api/people/kit/templates/${removed.id}`, { method: 'DELETE' }));
  assert.equal((await api(removed.cropUrl)).status, 404, 'a deleted template has no crop');
  assert.equal(PeopleSchema.parse(await json(api('/api/people'))).find((p) => p.id === 'kit')!.templates.length, 1);
  assert.equal((await api(`/api/people/obama/templates/${kitTemplates[0]!.id}/crop.jpg`)).status, 404, 'a template is reached through its own person only');

  // 9. Forget Biden: templates, crops, snapshots gone; his events lose the identity; erasure recorded.
  const bidenEvents = all.events.filter((e) => e.personId === 'biden');
  assert.ok(bidenEvents.length >= 1);
  for (const e of bidenEvents) assert.ok(snapshotFiles().includes(`${e.id}.jpg`), 'the snapshot file exists before');
  const forgotten = await json<{ templates: number; snapshots: number; events: number }>(api('/api/people/biden', { method: 'DELETE' }));
  const bidenAll = bidenEvents.length + withEnds.events.filter((e) => e.personId === 'biden').length; // with his track_end
  assert.deepEqual(forgotten, { personId: 'biden', templates: 1, snapshots: bidenEvents.length, events: bidenAll });
  for (const e of bidenEvents) {
    assert.ok(!snapshotFiles().includes(`${e.id}.jpg`), `snapshot file of ${e.id} deleted`);
    assert.equal((await api(`/api/events/${e.id}/snapshot.jpg`)).status, 404);
  }
  assert.equal(EventsPageSchema.parse(await json(api('/api/events?person=biden'))).events.length, 0);
  assert.equal((await api('/api/people/biden', { method: 'DELETE' })).status, 404, 'forgetting twice: nobody left');
  // Kit was enrolled from an unknown event: forgetting him erases that event's snapshot too.
  assert.ok(snapshotFiles().includes(`${kitEvent.id}.jpg`));
  await json(api('/api/people/kit', { method: 'DELETE' }));
  assert.ok(!snapshotFiles().includes(`${kitEvent.id}.jpg`), 'the snapshot his face was enrolled from is erased with him');

  await web.agent.kill('SIGTERM');
  const gallery = new Database(config.gallery as string, { readonly: true });
  assert.equal((gallery.prepare("SELECT COUNT(*) AS n FROM templates WHERE identity_id = 'biden'").get() as { n: number }).n, 0, 'no template (nor crop) of biden in the gallery');
  assert.equal((gallery.prepare("SELECT COUNT(*) AS n FROM identities WHERE id = 'biden'").get() as { n: number }).n, 0);
  gallery.close();
  for (const file of [config.gallery as string, `${config.gallery as string}-wal`, join(dir, 'data', 'events.db'), join(dir, 'data', 'events.db-wal')]) {
    if (existsSync(file)) assert.equal(readFileSync(file).includes(Buffer.from('Joe Biden')), false, `the name is not left in ${file} (secure_delete + checkpoint)`);
  }
  const events = new Database(join(dir, 'data', 'events.db'), { readonly: true });
  assert.equal((events.prepare("SELECT COUNT(*) AS n FROM events WHERE person_id = 'biden' OR name = 'Joe Biden'").get() as { n: number }).n, 0);
  const erasures = events.prepare("SELECT person_id, actor, templates, snapshots, events FROM erasures WHERE person_id = 'biden'").all();
  assert.deepEqual(erasures, [{ person_id: 'biden', actor: 'web:bearer', templates: 1, snapshots: bidenEvents.length, events: bidenAll }]);
  events.close();
});
