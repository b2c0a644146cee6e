/**
 * Model packages applied on a running agent (real mosquitto, the agent as a child process, real
 * models and the agent clip). The good package goes through the real `arcedge deploy` CLI
 * (transfer + apply); the bad ones and the rest write the staged folder <dataDir>/incoming/<id>/
 * the way the receiver does, then send cmd/apply (the transfer is tested in test/deploy/).
 * 1. An agent whose gallery was built with mobilefacenet_paddle_128 refuses six bad packages
 *    (unsigned, unknown key, a flipped ONNX byte, a wrong input shape, a failing golden self-test,
 *    an older version) with the reason on the reply and the retained status while the old model
 *    keeps serving; it applies a signed fr_feature_512 package (re-embed, swap) and keeps naming
 *    the same people on its clip; rollback brings back the previous model and gallery generation.
 * 2. kill -9 during an apply (before and right after the pointer commit): on restart the status
 *    model and the gallery's serving generation agree, and people are recognised.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFacePipeline, decodeImage, enrollPhotos, formatSha256Sums, galleryModelOf, openGallery, signBytes, type ModelPackageManifest } from '../../sdk/index.ts';
import { sha256File, sha256Hex } from '../../sdk/internal.ts';
import { main } from '../../tools/main.ts';
import { cli, quiet } from '../helpers/cli.ts';
import { buildPackage } from '../../tools/package/build.ts';
import { onnx, readModel } from '../../tools/quantize/onnx-io.ts';
import { localAssetSet } from '../analyzer/model-sets.ts';
import { assetModel, repoRoot, requireAssets } from '../helpers/assets.ts';
import { ENROLLED, enrollPayload, testClip } from './fixtures.ts';
import { AgentProcess, protocolValidator, Subscriber, waitFor, writeConfig } from './harness.ts';
import { startMosquitto, type Mosquitto } from './mosquitto.ts';

const dir = join(repoRoot, 'test', '.tmp', 'agent-apply');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const DEVICE = 'apply';
const keys = join(dir, 'keys');
const otherKeys = join(dir, 'other-keys');
const good = join(dir, 'pkg-fr512-v2');
const older = join(dir, 'pkg-fr512-v1');
const cleanup: (() => Promise<void>)[] = [];
let broker: Mosquitto;
let sub: Subscriber;
let clipPath: string;
const validStatus = protocolValidator('device-status');

after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

const packageOptions = (out: string, version: number) => ({
  model: assetModel('fr_feature_512.onnx'),
  out,
  privateKeyPem: readFileSync(join(keys, 'private.pem'), 'utf8'),
  version,
  name: 'fr512',
  facesDir: join(requireAssets(), 'faces', 'deepface'),
  detectorModels: `local:${join(requireAssets(), 'models')}`,
  detector: 'det_500m.onnx',
});

/** Recomputes files, SHA256SUMS and the signature after a change: a package signed "properly". */
async function resign(pkg: string, privatePem: string, edit: (m: ModelPackageManifest) => ModelPackageManifest = (m) => m): Promise<void> {
  const before = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as ModelPackageManifest;
  const files = [];
  for (const f of before.files) files.push({ path: f.path, bytes: statSync(join(pkg, f.path)).size, sha256: await sha256File(join(pkg, f.path)) });
  const manifest = edit({ ...before, files, sha256sums: sha256Hex(formatSha256Sums(files)) });
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(pkg, 'manifest.json'), bytes);
  writeFileSync(join(pkg, 'SHA256SUMS'), formatSha256Sums(files));
  writeFileSync(join(pkg, 'signature.sig'), signBytes(bytes, privatePem));
}

function variant(name: string, change: (pkg: string) => void | Promise<void>): () => Promise<string> {
  return async () => {
    const pkg = join(dir, name);
    rmSync(pkg, { recursive: true, force: true });
    cpSync(good, pkg, { recursive: true });
    await change(pkg);
    return pkg;
  };
}

/** What the receiver leaves once a transfer is complete (docs/deploy.md). */
function stage(dataDir: string, id: string, pkg: string): void {
  const target = join(dataDir, 'incoming', id);
  rmSync(target, { recursive: true, force: true });
  cpSync(pkg, join(target, 'package'), { recursive: true });
  writeFileSync(join(target, 'transfer.json'), JSON.stringify({ kind: 'model-package', name: id, bytes: 0, sha256: '0'.repeat(64), complete: true }));
}

/** A host-built gallery (transfer kind gallery), as `arcedge gallery push` leaves it. */
function stageGallery(dataDir: string, id: string, file: string): void {
  const target = join(dataDir, 'incoming', id);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(file, join(target, 'gallery.db'));
  writeFileSync(join(target, 'transfer.json'), JSON.stringify({ kind: 'gallery', name: id, bytes: 0, sha256: '0'.repeat(64), complete: true }));
}

/** The enrolled people in a gallery built on the host with fr_feature_512 (not the device's model). */
async function hostGallery(path: string): Promise<void> {
  const pipeline = await createFacePipeline({ models: localAssetSet('host-fr512', ['det_500m.onnx', 'fr_feature_512.onnx']), backend: { threads: 1 } });
  const gallery = await openGallery(path, { model: galleryModelOf(pipeline) });
  try {
    for (const person of ENROLLED) await enrollPhotos(gallery, pipeline, { id: person.id, name: person.name }, [person.enroll]);
  } finally {
    gallery.close();
    await pipeline.dispose();
  }
}

function config(dataDir: string, gallery: string, workers = 1) {
  return {
    workers,
    device: { id: DEVICE },
    mqtt: { url: broker.url, reconnectMs: 500, keepaliveSec: 10 },
    models: localAssetSet('agent-det500m-paddle128', ['det_500m.onnx', 'mobilefacenet_paddle_128.onnx']),
    inference: { backend: { threads: 1 } },
    gallery,
    dataDir,
    cameras: [{ id: 'door', source: `file://${clipPath}`, loop: true, detectIntervalMs: 200, stallTimeoutSec: 10 }],
    recognition: { cooldownSec: 0 },
    deploy: { trustedKeys: [join(keys, 'public.pem')] },
  };
}

type Status = { state: string; model?: { package: string; version: number; modelId: string; embeddingSize: number }; gallery?: { generation: number; templates: number }; deploy?: { state: string; reason?: { code: string } } };
const lastStatus = (): Status => sub.json<Status>(`arcedge/${DEVICE}/status`).at(-1)!;

/** Every enrolled person (or `atLeast` of them) recognised after `since`, and nobody else named. */
async function recognisesEveryone(agent: AgentProcess, since: number, atLeast = ENROLLED.length): Promise<void> {
  const named = () => agent.events().filter((e) => Date.parse(e.ts as string) > since && (e as { identity?: { id: string } | null }).identity).map((e) => (e as unknown as { identity: { id: string } }).identity.id);
  await waitFor(`${atLeast} enrolled people recognised`, () => ENROLLED.filter((p) => named().includes(p.id)).length >= atLeast, 90_000).catch((e: Error) => {
    throw new Error(`${e.message}: named ${JSON.stringify(named())}\n${agent.tail()}`);
  });
  assert.deepEqual([...new Set(named())].filter((id) => !ENROLLED.some((p) => p.id === id)), []);
}

async function galleryServing(path: string): Promise<{ generation: number; modelId: string; embeddingSize: number }> {
  const gallery = await openGallery(path, { create: false, readOnly: true });
  try {
    const m = gallery.metadata();
    return { generation: m.generation, modelId: m.modelId, embeddingSize: m.embeddingSize };
  } finally {
    gallery.close();
  }
}

before(async () => {
  clipPath = (await testClip()).path;
  assert.equal(await quiet(() => main(['keys', 'generate', '--out', keys])), 0);
  assert.equal(await quiet(() => main(['keys', 'generate', '--out', otherKeys])), 0);
  await buildPackage(packageOptions(good, 2));
  await buildPackage(packageOptions(older, 1));
  broker = await startMosquitto(join(dir, 'broker'));
  cleanup.push(() => broker.kill());
  sub = new Subscriber(broker.url, `arcedge/${DEVICE}/#`, 'apply-watcher');
  cleanup.push(() => sub.end());
  await sub.ready();
});

const badPackages: { name: string; code: string; reason?: string; make: () => Promise<string> }[] = [
  { name: 'unsigned', code: 'PACKAGE_SIGNATURE_INVALID', reason: 'unsigned', make: variant('unsigned', (p) => rmSync(join(p, 'signature.sig'))) },
  {
    name: 'unknown key',
    code: 'PACKAGE_SIGNATURE_INVALID',
    reason: 'unknown-key',
    make: variant('unknown-key', (p) => resign(p, readFileSync(join(otherKeys, 'private.pem'), 'utf8'))),
  },
  {
    name: 'one flipped byte in the ONNX',
    code: 'PACKAGE_TAMPERED',
    make: variant('flipped', (p) => {
      const path = join(p, 'fr_feature_512.onnx');
      const bytes = readFileSync(path);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      writeFileSync(path, bytes);
    }),
  },
  {
    name: 'wrong input shape (signed properly)',
    code: 'MODEL_IO_MISMATCH',
    make: variant('wrong-shape', async (p) => {
      const path = join(p, 'fr_feature_512.onnx');
      const model = readModel(path);
      const dims = model.graph!.input![0]!.type!.tensorType!.shape!.dim!;
      dims[2] = { dimValue: 96 };
      dims[3] = { dimValue: 96 };
      writeFileSync(path, onnx.ModelProto.encode(model).finish());
      const sidecar = `${path}.manifest.json`;
      const manifest = JSON.parse(readFileSync(sidecar, 'utf8')) as { sha256: string; bytes: number };
      writeFileSync(sidecar, JSON.stringify({ ...manifest, sha256: await sha256File(path), bytes: statSync(path).size }, null, 2));
      await resign(p, readFileSync(join(keys, 'private.pem'), 'utf8'));
    }),
  },
  {
    name: 'golden self-test fails (expected embeddings from another recognizer, signed properly)',
    code: 'PACKAGE_SELF_TEST_FAILED',
    make: variant('bad-selftest', async (p) => {
      const manifest = JSON.parse(readFileSync(join(p, 'manifest.json'), 'utf8')) as ModelPackageManifest;
      const other = await createFacePipeline({ models: { name: 'paddle', models: [{ path: assetModel('mobilefacenet_paddle_128.onnx'), manifest: (await import('../../sdk/index.ts')).findManifestBySha256(await sha256File(assetModel('mobilefacenet_paddle_128.onnx')))! }] }, stages: ['embed'] });
      try {
        const crops = manifest.selfTest.faces.map((f) => decodeImage(readFileSync(join(p, f.crop)), f.crop));
        const vectors = await other.embed(crops);
        // 128 values from the other model, zero-padded to the package's 512.
        const faces = manifest.selfTest.faces.map((f, i) => ({ ...f, embedding: [...Array.from(vectors[i]!), ...new Array(512 - vectors[i]!.length).fill(0)] }));
        await resign(p, readFileSync(join(keys, 'private.pem'), 'utf8'), (m) => ({ ...m, selfTest: { ...m.selfTest, faces } }));
      } finally {
        await other.dispose();
      }
    }),
  },
];

test('refusals keep the old model serving; a signed fr_feature_512 package re-embeds, swaps and keeps recognising; rollback restores', { timeout: 420_000 }, async () => {
  const dataDir = join(dir, 'data-main');
  const gallery = join(dir, 'gallery-main.db');
  const agent = new AgentProcess(writeConfig(join(dir, 'agent-main.json'), config(dataDir, gallery)));
  cleanup.push(() => agent.kill('SIGKILL'));
  await waitFor('device online with its model', () => lastStatus()?.model, 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.tail()}`);
  });
  const original = lastStatus();
  assert.equal(validStatus(original), undefined);
  assert.deepEqual([original.model!.package, original.model!.version, original.model!.embeddingSize], ['config', 0, 128]);
  for (const [i, person] of ENROLLED.entries()) {
    const reply = await sub.command(DEVICE, 'enroll', enrollPayload(person, `enroll-${i}`), `enroll-${i}`);
    assert.equal(reply.ok, true, JSON.stringify(reply));
  }
  const originalGeneration = (await galleryServing(gallery)).generation;
  const t0 = Date.now();

  for (const [i, bad] of badPackages.entries()) {
    const id = `bad-${i}`;
    stage(dataDir, id, await bad.make());
    const reply = await sub.command(DEVICE, 'apply', { id: `apply-${id}`, transfer: id }, `apply-${id}`, 120_000);
    assert.equal(reply.ok, false, `${bad.name}: ${JSON.stringify(reply)}`);
    assert.equal((reply.error as { code: string }).code, bad.code, `${bad.name}: ${JSON.stringify(reply.error)}`);
    if (bad.reason) assert.equal((reply.error as { details: { reason: string } }).details.reason, bad.reason);
    const status = await waitFor(`refused status for ${bad.name}`, () => (lastStatus().deploy?.state === 'refused' && lastStatus().deploy?.reason?.code === bad.code ? lastStatus() : undefined), 10_000);
    assert.equal(validStatus(status), undefined);
    assert.deepEqual(status.model, original.model, `${bad.name}: the old model still serves`);
    assert.equal((await galleryServing(gallery)).generation, originalGeneration);
  }
  console.log(`# six refusals: ${Date.now() - t0} ms`);
  // Still recognising with the old model after six refusals.
  await recognisesEveryone(agent, Date.now());

  // The good package goes the way a user sends it: `arcedge deploy` over the broker (chunked
  // transfer with per-chunk acks, then apply), with the public key checked on the host first.
  const deploy = await cli(['deploy', good, '--device', DEVICE, '--broker', broker.url, '--pubkey', join(keys, 'public.pem'), '--timeout', '180', '--json']);
  const printed = deploy.stdout;
  const deployCode = deploy.code;
  assert.equal(deployCode, 0, `${printed}\n${agent.tail()}`);
  const outcome = (JSON.parse(printed) as { devices: { device: string; result: string; applied: unknown }[] }).devices;
  assert.deepEqual(outcome.map((d) => [d.device, d.result]), [[DEVICE, 'applied']]);
  const result = outcome[0]!.applied as { version: number; modelId: string; ms: number; selfTest: { minCosine: number; tolerance: number }; gallery: { generation: number; templates: number } };
  assert.equal(result.version, 2);
  assert.ok(result.selfTest.minCosine >= result.selfTest.tolerance && result.selfTest.tolerance === 0.99, JSON.stringify(result.selfTest));
  assert.equal(result.gallery.templates, ENROLLED.length);
  const swappedAt = Date.now();
  console.log(`# deploy + apply fr_feature_512 v2: ${result.ms} ms to apply on the device`);
  const after = await waitFor('applied status', () => (lastStatus().deploy?.state === 'applied' ? lastStatus() : undefined), 10_000);
  assert.equal(validStatus(after), undefined);
  assert.deepEqual([after.model!.package, after.model!.version, after.model!.modelId, after.model!.embeddingSize], ['fr512', 2, result.modelId, 512]);
  const served = await galleryServing(gallery);
  assert.deepEqual([served.generation, served.modelId, served.embeddingSize], [result.gallery.generation, result.modelId, 512]);
  assert.equal(after.gallery!.generation, served.generation);
  await recognisesEveryone(agent, swappedAt);

  stage(dataDir, 'older', older);
  const refused = await sub.command(DEVICE, 'apply', { id: 'apply-older', transfer: 'older' }, 'apply-older', 60_000);
  assert.equal((refused.error as { code: string }).code, 'PACKAGE_VERSION_OLDER', JSON.stringify(refused));
  await waitFor('older refused in status', () => lastStatus().deploy?.reason?.code === 'PACKAGE_VERSION_OLDER', 10_000);
  assert.equal(lastStatus().model!.version, 2);

  const rolled = await sub.command(DEVICE, 'rollback', { id: 'rollback-1' }, 'rollback-1', 180_000);
  assert.equal(rolled.ok, true, JSON.stringify(rolled));
  const rolledAt = Date.now();
  const back = await waitFor('rolled-back status', () => (lastStatus().deploy?.state === 'rolled-back' ? lastStatus() : undefined), 10_000);
  assert.deepEqual(back.model, original.model);
  const restored = await galleryServing(gallery);
  assert.deepEqual([restored.generation, restored.modelId], [originalGeneration, original.model!.modelId], 'the previous gallery generation serves again');
  await recognisesEveryone(agent, rolledAt);

  // A gallery pushed from the host: a damaged file is refused, a good one built with another
  // recognizer is re-embedded on the device and swapped in; the old file is kept.
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 7)]));
  stageGallery(dataDir, 'junk', junk);
  const junkReply = await sub.command(DEVICE, 'apply', { id: 'apply-junk', transfer: 'junk' }, 'apply-junk', 60_000);
  assert.equal((junkReply.error as { code: string }).code, 'GALLERY_CORRUPT', JSON.stringify(junkReply));
  const pushed = join(dir, 'host-gallery.db');
  await hostGallery(pushed);
  stageGallery(dataDir, 'gallery-1', pushed);
  const push = await sub.command(DEVICE, 'apply', { id: 'apply-gallery', transfer: 'gallery-1' }, 'apply-gallery', 120_000);
  assert.equal(push.ok, true, JSON.stringify(push));
  const pushResult = push.result as { reembedded: boolean; templates: number; identities: number };
  assert.deepEqual([pushResult.reembedded, pushResult.identities, pushResult.templates], [true, ENROLLED.length, ENROLLED.length]);
  const pushedAt = Date.now();
  const servedAfterPush = await galleryServing(gallery);
  assert.deepEqual([servedAfterPush.modelId, servedAfterPush.embeddingSize], [original.model!.modelId, 128]);
  assert.equal((await galleryServing(`${gallery}.previous`)).generation, originalGeneration);
  await recognisesEveryone(agent, pushedAt);
  await agent.kill('SIGTERM');
});

test('kill -9 during an apply: the old or the new model serves completely after a restart', { timeout: 300_000 }, async () => {
  const dataDir = join(dir, 'data-kill');
  const gallery = join(dir, 'gallery-kill.db');
  const path = writeConfig(join(dir, 'agent-kill.json'), config(dataDir, gallery));
  let firstMessage = 0;
  const statusSinceStart = (): Status | undefined => sub.messages.slice(firstMessage).filter((m) => m.topic === `arcedge/${DEVICE}/status`).map((m) => JSON.parse(m.payload) as Status).at(-1);
  const run = async (pause: string | undefined): Promise<AgentProcess> => {
    firstMessage = sub.messages.length;
    const agent = new AgentProcess(path, [], pause ? { ARCEDGE_TEST_APPLY_PAUSE: pause } : {});
    cleanup.push(() => agent.kill('SIGKILL'));
    await waitFor('agent ready', () => agent.lines.some((l) => l.msg === 'pipeline ready'), 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.tail()}`);
    });
    return agent;
  };
  const killAt = async (agent: AgentProcess, step: string, id: string): Promise<Status> => {
    const online = await waitFor('online', () => (statusSinceStart()?.state === 'online' && statusSinceStart()!.model ? statusSinceStart() : undefined), 60_000);
    stage(dataDir, id, good);
    sub.client.publish(`arcedge/${DEVICE}/cmd/apply`, JSON.stringify({ id, transfer: id }), { qos: 1 });
    await waitFor(`apply paused at ${step}`, () => agent.lines.some((l) => l.msg === 'apply paused' && l.step === step), 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.tail()}`);
    });
    await agent.kill('SIGKILL');
    return online;
  };
  /** Status model, the gallery's serving generation and the recognition all agree. */
  const agrees = async (agent: AgentProcess, embeddingSize: number, atLeast: number): Promise<Status> => {
    const status = await waitFor('status after restart', () => {
      const s = statusSinceStart();
      return s?.state === 'online' && s.model ? s : undefined;
    }, 60_000);
    const served = await galleryServing(gallery);
    assert.equal(status.model!.embeddingSize, embeddingSize, JSON.stringify(status));
    assert.deepEqual([served.modelId, served.embeddingSize, served.generation], [status.model!.modelId, embeddingSize, status.gallery!.generation]);
    await recognisesEveryone(agent, Date.now(), atLeast);
    return status;
  };

  // During the re-embed (the new generation half written, nothing committed): the old model serves.
  let agent = await run('reembedding');
  await waitFor('online', () => statusSinceStart()?.model, 60_000);
  for (const [i, person] of ENROLLED.entries()) {
    const reply = await sub.command(DEVICE, 'enroll', enrollPayload(person, `kill-enroll-${i}`), `kill-enroll-${i}`);
    assert.equal(reply.ok, true, JSON.stringify(reply));
  }
  const before = await killAt(agent, 'reembedding', 'kill-1');
  const halfBuilt = await openGallery(gallery, { create: false, readOnly: true });
  const building = halfBuilt.generations().filter((g) => g.state === 'building');
  halfBuilt.close();
  assert.ok(building.length === 1 && building[0]!.embedded > 0 && !building[0]!.complete, `killed with a half-built generation: ${JSON.stringify(building)}`);
  agent = await run('committed');
  const old = await agrees(agent, 128, ENROLLED.length); // every enrolled person, as before the apply
  assert.equal(old.model!.modelId, before.model!.modelId);
  assert.equal(old.deploy?.reason?.code, 'DEPLOY_INTERRUPTED');
  assert.equal((await openGallery(gallery, { create: false, readOnly: true }).then((g) => { const n = g.generations().filter((x) => x.state === 'building').length; g.close(); return n; })), 0, 'the half-built generation is gone');

  // Right after the pointer commit, before the switch: the new model serves with its generation.
  await killAt(agent, 'committed', 'kill-2');
  agent = await run(undefined);
  const fresh = await agrees(agent, 512, ENROLLED.length);
  assert.deepEqual([fresh.model!.package, fresh.model!.version, fresh.deploy?.state], ['fr512', 2, 'applied']);
  await agent.kill('SIGTERM');
});
