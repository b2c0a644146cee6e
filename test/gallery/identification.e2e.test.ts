/**
 * Acceptance, end to end with real models and photos:
 * - face_recognition's knn_examples: enroll train/ (a folder per person), then every face in
 *   test/ is identified. Expected names come from the file names, as face_recognition's own
 *   knn example labels them (johnsnow = kit_harington; kit_with_rose and obama_and_biden hold
 *   two enrolled people each). Faces of anyone else in those photos must be unknown.
 * - People never enrolled (deepface, faceapi_bbt) are unknown at the recommended FAR 1e-3 threshold.
 * - Enrollment refusals: no face, several faces (accepted with largest), unreadable file.
 * - Re-embedding fr_feature_512 -> mobilefacenet_paddle_128 keeps every result; a re-embed
 *   killed halfway leaves the old generation serving, and the next run resumes it.
 * - Open-set DIR at FPIR 1e-2 / 1e-1 (NIST FRVT 1:N) on the dev identities, printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFaceAnalyzer, createFacePipeline, createFrame, enrollPhotos, galleryModelOf, identifyPhoto, openGallery, reembedderOf } from '../../sdk/index.ts';
import type { FacePipeline, Gallery } from '../../sdk/index.ts';
import { localAssetSet } from '../analyzer/model-sets.ts';
import { assetFace, repoRoot } from '../helpers/assets.ts';
import { openSetEvaluation } from './open-set.ts';

const KNN = assetFace('face_recognition', 'examples', 'knn_examples');
const EXPECTED: Record<string, string[]> = {
  'alex_lacamoire1.jpg': ['alex_lacamoire'],
  'johnsnow_test1.jpg': ['kit_harington'],
  'kit_with_rose.jpg': ['kit_harington', 'rose_leslie'],
  'obama1.jpg': ['obama'],
  'obama_and_biden.jpg': ['biden', 'obama'],
};

const dir = mkdtempSync(join(tmpdir(), 'arcedge-identification-'));
const galleryPath = join(dir, 'knn.db');
const FR512 = localAssetSet('gallery-fr512', ['det_500m.onnx', 'fr_feature_512.onnx']);
const P128 = localAssetSet('gallery-p128', ['det_500m.onnx', 'mobilefacenet_paddle_128.onnx']);
let pipeline: FacePipeline;
let gallery: Gallery;

/** knn_examples/train enrolled, one result per person: in before(), so that every test (run alone too) sees the same gallery. */
let enrollment: { person: string; photos: number; result: Awaited<ReturnType<typeof enrollPhotos>> }[] = [];

before(async () => {
  pipeline = await createFacePipeline({ models: FR512, backend: { threads: 2 } });
  gallery = await openGallery(galleryPath, { model: galleryModelOf(pipeline) });
  for (const person of readdirSync(join(KNN, 'train')).sort()) {
    const photos = readdirSync(join(KNN, 'train', person)).map((f) => join(KNN, 'train', person, f));
    enrollment.push({ person, photos: photos.length, result: await enrollPhotos(gallery, pipeline, { name: person }, photos) });
  }
});
after(async () => {
  gallery.close();
  await pipeline.dispose();
});

/** Identified names per test photo (null for unknown faces). */
async function identifyTestSet(g: Gallery, p: FacePipeline): Promise<Record<string, (string | null)[]>> {
  const out: Record<string, (string | null)[]> = {};
  for (const file of Object.keys(EXPECTED)) out[file] = (await identifyPhoto(g, p, join(KNN, 'test', file))).map((f) => f.identity?.name ?? null);
  return out;
}

function assertKnnResults(results: Record<string, (string | null)[]>, label: string): void {
  for (const [file, names] of Object.entries(results)) {
    assert.deepEqual(names.filter((n) => n !== null).sort(), EXPECTED[file], `${label} ${file}: ${JSON.stringify(names)}`);
  }
}

test('enroll knn_examples/train: every person, every photo accepted', () => {
  assert.equal(enrollment.length, 5);
  for (const { person, photos, result: r } of enrollment) {
    assert.deepEqual(r.rejected, [], `${person}: ${JSON.stringify(r.rejected)}`);
    assert.equal(r.enrolled?.added.length, photos);
  }
  const meta = gallery.metadata();
  assert.equal(meta.identities, 5);
  assert.equal(meta.thresholdSource, 'recognizer');
  assert.equal(meta.far, 1e-3);
  assert.equal(meta.threshold, pipeline.manifests.embed?.recommendedThreshold?.threshold);
});

test('every face in knn_examples/test is identified; other faces are unknown', async () => {
  const results = await identifyTestSet(gallery, pipeline);
  console.log(`# fr_feature_512: ${JSON.stringify(results)}`);
  assertKnnResults(results, 'fr_feature_512');
});

test('people never enrolled (deepface, faceapi_bbt) are unknown at the recommended FAR 1e-3 threshold', async () => {
  const photos = [
    ...readdirSync(assetFace('deepface')).filter((f) => f.endsWith('.jpg')).map((f) => assetFace('deepface', f)),
    ...readdirSync(assetFace('faceapi_bbt'), { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) =>
      readdirSync(assetFace('faceapi_bbt', d.name)).map((f) => assetFace('faceapi_bbt', d.name, f)),
    ),
  ];
  // Unknown must mean "not these five people", not "nobody to match against".
  assert.equal(gallery.metadata().identities, 5, 'the five knn_examples people are enrolled');
  const known = await identifyPhoto(gallery, pipeline, join(KNN, 'test', 'obama1.jpg'));
  assert.deepEqual(known.map((f) => f.identity?.name).filter(Boolean), ['obama'], 'an enrolled person is still recognised');
  let faces = 0;
  let highest = -1;
  for (const photo of photos) {
    // faceapi_bbt photos are tight 150x150 crops; the detectors' second pass pads them.
    for (const f of await identifyPhoto(gallery, pipeline, photo)) {
      faces++;
      highest = Math.max(highest, f.score);
      assert.equal(f.identity, null, `${photo} matched ${f.identity?.name} at ${f.score}`);
    }
  }
  console.log(`# strangers: ${faces} faces in ${photos.length} photos, all unknown; highest score ${highest.toFixed(3)} vs threshold ${gallery.metadata().threshold}`);
  assert.ok(faces >= photos.length * 0.9, `only ${faces} faces found in ${photos.length} photos`);
});

test('enrollment refuses no-face, several-face and unreadable photos, each with its reason', async () => {
  const broken = join(dir, 'broken.jpg');
  writeFileSync(broken, 'not a JPEG');
  const blank = createFrame(320, 240, new Uint8Array(320 * 240 * 3).fill(128));
  const group = assetFace('face_recognition', 'examples', 'two_people.jpg');
  const before = gallery.metadata().templates;
  // subject 'all' refuses a photo with several faces (the default, 'centre', takes the central one).
  const r = await enrollPhotos(gallery, pipeline, { name: 'refusals' }, [{ input: blank, source: 'blank' }, group, broken], { subject: 'all' });
  assert.equal(r.enrolled, null);
  assert.deepEqual(r.rejected.map((x) => [basename(x.source), x.reason]), [['blank', 'no-face'], ['two_people.jpg', 'several-faces'], ['broken.jpg', 'unreadable']]);
  assert.equal(r.rejected[2]!.code, 'IMAGE_UNSUPPORTED');
  assert.deepEqual(r.verdicts.map((v) => v.outcome), ['refused', 'refused', 'refused'], 'a verdict for every photo');
  assert.equal(gallery.metadata().templates, before);
  assert.equal(gallery.findByName('refusals').length, 0);
  const largest = await enrollPhotos(gallery, pipeline, { name: 'largest of two' }, [group], { subject: 'largest' });
  assert.equal(largest.enrolled?.added.length, 1);
  gallery.removeIdentity(largest.enrolled!.identity.id);
  const centre = await enrollPhotos(gallery, pipeline, { name: 'centre of two' }, [group]);
  assert.equal(centre.enrolled?.added.length, 1);
  assert.match(centre.verdicts[0]!.message, /2 faces: took the one nearest the centre/);
  gallery.removeIdentity(centre.enrolled!.identity.id);
});

test('a re-embed killed halfway leaves the old generation serving; the next run resumes it', async () => {
  const copy = join(dir, 'killed.db');
  // close() folds the WAL into the file, so the copy holds every commit.
  gallery.close();
  copyFileSync(galleryPath, copy);
  gallery = await openGallery(galleryPath, { model: galleryModelOf(pipeline) });
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'gallery', 'fixtures', 'reembed-child.ts'), copy, P128], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let progress = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      progress += chunk.toString();
      const done = [...progress.matchAll(/progress (\d+) (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      if (done.some(([d, t]) => d! > 0 && d! < t!) && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  assert.equal(child.signalCode, 'SIGKILL', `the child was not killed mid-way: ${progress}`);
  const old = await openGallery(copy, { model: galleryModelOf(pipeline) });
  assert.equal(old.metadata().generation, 1);
  assert.equal(old.metadata().modelId, galleryModelOf(pipeline).id);
  assertKnnResults(await identifyTestSet(old, pipeline), 'after the killed re-embed');
  old.close();
  const p128 = await createFacePipeline({ models: P128, stages: ['embed'], backend: { threads: 2 } });
  try {
    const resumed = await openGallery(copy);
    const result = await resumed.reembed(reembedderOf(p128));
    assert.ok(result.resumed > 0 && result.resumed < result.templates, `resumed ${result.resumed} of ${result.templates}`);
    assert.equal(resumed.metadata().modelId, p128.manifests.embed?.id);
    resumed.close();
  } finally {
    await p128.dispose();
  }
});

test('re-embedding fr_feature_512 -> mobilefacenet_paddle_128 keeps every identification result', async () => {
  const p128 = await createFacePipeline({ models: P128, backend: { threads: 2 } });
  try {
    const progress: number[] = [];
    const result = await gallery.reembed(reembedderOf(p128), { onProgress: (p) => progress.push(p.done) });
    assert.equal(result.generation, 2);
    assert.equal(progress.at(-1), result.templates);
    const meta = gallery.metadata();
    assert.deepEqual([meta.modelId, meta.embeddingSize, meta.thresholdSource, meta.threshold], [p128.manifests.embed?.id, 128, 'recognizer', p128.manifests.embed?.recommendedThreshold?.threshold]);
    const results = await identifyTestSet(gallery, p128);
    console.log(`# mobilefacenet_paddle_128 after re-embed: ${JSON.stringify(results)}`);
    assertKnnResults(results, 'paddle_128');
    await assert.rejects(openGallery(galleryPath, { model: galleryModelOf(pipeline) }), { code: 'GALLERY_MODEL_MISMATCH' });
  } finally {
    await p128.dispose();
  }
});

test('open-set identification on the dev identities: DIR at FPIR 1e-2 and 1e-1', async () => {
  const analyzer = await createFaceAnalyzer({ models: FR512, backend: { threads: 2 } });
  try {
    const report = await openSetEvaluation(analyzer);
    for (const p of report.points) {
      console.log(`# fr_feature_512 DIR@FPIR=${p.fpir}: ${(100 * p.dir).toFixed(1)}% (threshold ${p.threshold.toFixed(3)}${p.measurable ? '' : `; only ${report.nonMatedProbes} non-mated probes, so this FPIR is bounded by the highest stranger score`})`);
    }
    console.log(`# ${report.enrolledIdentities} identities enrolled (${report.templates} templates), ${report.matedProbes} mated and ${report.nonMatedProbes} non-mated probes, rank-1 ${(100 * report.rank1).toFixed(1)}%`);
    assert.ok(report.matedProbes > 10 && report.nonMatedProbes > 10);
    assert.ok(report.points.find((p) => p.fpir === 0.1)!.dir >= 0.9);
  } finally {
    await analyzer.dispose();
  }
});
