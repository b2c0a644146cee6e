/**
 * `arcedge models probe` as a user runs it: a model copied into a folder of its own, probed on the
 * dev photos, and the written `<file>.onnx.manifest.json` loaded through `local:<dir>`.
 * fr_feature_512 is probed with the real registry (it knows the file by sha256); paddle_128 with a
 * registry that holds only the detectors, so the manifest is built from the ONNX graph, as for a
 * recognizer nobody has described yet.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compare, createFaceAnalyzer, ModelManifestSchema, type ModelManifest } from '../../sdk/index.ts';
import { registryDir } from '../../sdk/models/index.ts';
import { readLabelledFaces } from '../../tools/eval/labelled-faces.ts';
import { devSets } from '../analyzer/dev-sets.ts';
import { assetFace, assetModel, repoRoot } from '../helpers/assets.ts';

function probe(modelPath: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/arcedge.ts', 'models', 'probe', modelPath, '--faces', assetFace(), '--json'], {
    cwd: repoRoot,
    env: { ...process.env, ARCEDGE_MODEL_PATH: '', ARCEDGE_OFFLINE: '1', ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

interface ProbeJson {
  manifest: string;
  chosen: string;
  probe: NonNullable<ModelManifest['probe']>;
}

function modelDir(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-probe-'));
  symlinkSync(assetModel(file), join(dir, file));
  symlinkSync(assetModel('det_500m.onnx'), join(dir, 'det_500m.onnx'));
  return dir;
}

/** The subject's embedding in one colour photo, through a local:<dir> set. */
async function embedThrough(dir: string): Promise<Float32Array> {
  const analyzer = await createFaceAnalyzer({ models: `local:${dir}` });
  try {
    const [face] = await analyzer.analyze(assetFace('face_recognition', 'examples', 'knn_examples', 'train', 'obama', 'obama.jpg'));
    assert.ok(face, 'a face through local:<dir>');
    return face.embedding;
  } finally {
    await analyzer.dispose();
  }
}

function printResults(label: string, out: ProbeJson, ms: number): void {
  const rows = out.probe.results.map((r) => `  ${r.colorOrder} ${r.normalisation.padEnd(16)} d'=${r.dPrime.toFixed(3)} TAR=${(100 * r.tar).toFixed(1)}%`);
  console.log(`${label}: chose ${out.chosen} in ${(ms / 1000).toFixed(1)} s (${out.probe.samePairs} same / ${out.probe.differentPairs} different pairs)\n${rows.join('\n')}`);
}

describe('arcedge models probe', () => {
  it('reads the same labelled pairs from the dev photos as the dev sets', () => {
    const labelled = readLabelledFaces(assetFace());
    const key = (a: string, b: string, same: boolean): string => `${[a, b].sort().join('|')}|${same}`;
    const got = labelled.pairs.map((p) => key(labelled.images[p.a]!, labelled.images[p.b]!, p.same)).sort();
    const want = devSets().flatMap((s) => s.pairs.map((p) => key(p.a, p.b, p.same))).sort();
    assert.deepEqual(got, want);
  });

  it('fr_feature_512: picks BGR with (x-127.5)/128 or /127.5, writes a sidecar that local:<dir> loads', async () => {
    const dir = modelDir('fr_feature_512.onnx');
    const r = probe(join(dir, 'fr_feature_512.onnx'));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as ProbeJson;
    printResults('fr_feature_512', out, r.ms);
    assert.match(out.chosen, /^bgr \(x-127\.5\)\/(128|127\.5)$/);
    assert.equal(out.manifest, join(dir, 'fr_feature_512.onnx.manifest.json'));
    const manifest = ModelManifestSchema.parse(JSON.parse(readFileSync(out.manifest, 'utf8')));
    assert.equal(manifest.input.colorOrder, 'bgr');
    assert.equal(manifest.id, 'faceplugin-feature-512', 'starts from the registry entry with the same sha256');
    assert.equal(manifest.probe?.results.length, 8, '2 orders x 4 normalisations');
    assert.ok(manifest.probe!.marginDPrime > 0);
    assert.ok(r.ms < 60_000, `probe took ${r.ms} ms`);

    // The sidecar wins over the registry in local:<dir>; same bytes without it use the registry (BGR /128).
    const viaSidecar = await embedThrough(dir);
    const plain = mkdtempSync(join(tmpdir(), 'arcedge-probe-plain-'));
    symlinkSync(assetModel('fr_feature_512.onnx'), join(plain, 'fr_feature_512.onnx'));
    symlinkSync(assetModel('det_500m.onnx'), join(plain, 'det_500m.onnx'));
    const viaRegistry = await embedThrough(plain);
    assert.ok(compare(viaSidecar, viaRegistry) > 0.9999, `cosine ${compare(viaSidecar, viaRegistry)}`);
  });

  it('mobilefacenet_paddle_128 unknown to the registry: manifest built from the graph, BGR chosen, loads through local:<dir>', async () => {
    const registry = mkdtempSync(join(tmpdir(), 'arcedge-registry-'));
    mkdirSync(registry, { recursive: true });
    copyFileSync(join(registryDir(), 'scrfd.json'), join(registry, 'scrfd.json'));
    const dir = modelDir('mobilefacenet_paddle_128.onnx');
    const r = probe(join(dir, 'mobilefacenet_paddle_128.onnx'), { ARCEDGE_REGISTRY_DIR: registry });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as ProbeJson;
    printResults('mobilefacenet_paddle_128 (unknown)', out, r.ms);
    assert.match(out.chosen, /^bgr \(x-127\.5\)\/(128|127\.5)$/);
    const manifest = ModelManifestSchema.parse(JSON.parse(readFileSync(out.manifest, 'utf8')));
    assert.equal(manifest.embeddingSize, 128, 'embedding size read from the graph');
    assert.equal(manifest.input.name, 'x');
    assert.equal(manifest.licence, 'unknown');
    assert.ok(existsSync(join(dir, 'mobilefacenet_paddle_128.onnx.manifest.json')));
    const embedding = await embedThrough(dir);
    assert.equal(embedding.length, 128);
  });

  it('refuses a folder without labelled pairs (exit 1, says what layout it needs)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'arcedge-probe-empty-'));
    const dir = modelDir('fr_feature_512.onnx');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/arcedge.ts', 'models', 'probe', join(dir, 'fr_feature_512.onnx'), '--faces', empty], {
      cwd: repoRoot,
      env: { ...process.env, ARCEDGE_OFFLINE: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /folder named after them/);
  });
});
