/**
 * Acceptance for `arcedge eval`:
 * - on the dev photos, its AUC equals the SDK verification test's for the same pipeline
 *   (test/analyzer/verification.int.test.ts: createFaceAnalyzer + the largest face per photo);
 * - on an LFW-format pairs.txt built from the dev photos, its 10-fold accuracy equals an
 *   independent implementation of the protocol (folds from the file's header, brute force);
 * - the HTML report renders in headless chromium with the ROC chart and the metrics table,
 *   and the CLI's --json has the documented shape; a re-run embeds nothing (cache).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createFaceAnalyzer, readImage } from '../../sdk/index.ts';
import { runEval, type ModelResult } from '../../tools/eval/run-eval.ts';
import { readEvalInput, readLfwPairs } from '../../tools/eval/pairs-input.ts';
import { writeReport } from '../../tools/eval/report.ts';
import { aucMannWhitney } from '../../tools/eval/metrics.ts';
import { deepfaceMaster, faceapiBbt, faceRecognitionTrain, type DevSet } from '../analyzer/dev-sets.ts';
import { scorePairs } from '../analyzer/embed-photos.ts';
import { SCRFD_FR512 } from '../analyzer/model-sets.ts';
import { assetFace, repoRoot } from '../helpers/assets.ts';
import { dumpDom, screenshot } from './chromium.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-eval-'));
const cacheDir = join(work, 'cache');
after(() => rmSync(work, { recursive: true, force: true }));

describe('eval on the dev photos (det_500m + fr_feature_512)', () => {
  const models = SCRFD_FR512();
  const spec = { label: 'det_500m + fr_feature_512', options: { models } };
  const results: { set: DevSet; result: ModelResult }[] = [];

  before(async () => {
    // The same folders the SDK test reads: deepface's master.csv, the face_recognition person
    // folders, and faceapi_bbt's tight crops (the detectors pad frame-filling faces themselves).
    const runs: [DevSet, string][] = [
      [deepfaceMaster(), assetFace('deepface')],
      [faceRecognitionTrain(), assetFace('face_recognition', 'examples', 'knn_examples', 'train')],
      [faceapiBbt(), assetFace('faceapi_bbt')],
    ];
    for (const [set, dir] of runs) {
      const [result] = await runEval(readEvalInput(dir), { models: [spec], cacheDir });
      results.push({ set, result: result! });
    }
  });

  test('AUC per set equals the SDK verification test route', async () => {
    const analyzer = await createFaceAnalyzer({ models });
    try {
      for (const { set, result } of results) {
        assert.equal(result.noFace, 0, `${set.name}: no face in ${result.noFaceImages.join(', ')}`);
        assert.equal(result.scored.length, set.pairs.length, `${set.name}: every pair scored`);
        const sdk = await scorePairs(analyzer, set, new Map());
        const sdkAuc = aucMannWhitney(sdk.same, sdk.different);
        console.log(`# ${set.name}: eval AUC ${result.metrics.auc.toFixed(6)}, SDK test AUC ${sdkAuc.toFixed(6)}, accuracy ${result.metrics.accuracy.toFixed(4)}`);
        assert.equal(result.metrics.auc, sdkAuc, set.name);
        // Not just the same ranking: the same scores (one face per photo, embedded alone or in a batch).
        const ours = { same: result.scored.filter((p) => p.same).map((p) => p.score), different: result.scored.filter((p) => !p.same).map((p) => p.score) };
        for (const kind of ['same', 'different'] as const) {
          const a = [...ours[kind]].sort((x, y) => x - y);
          const b = [...sdk[kind]].sort((x, y) => x - y);
          assert.equal(a.length, b.length);
          assert.ok(a.every((v, i) => Math.abs(v - b[i]!) < 1e-4), `${set.name} ${kind} scores match the SDK route`);
        }
      }
    } finally {
      await analyzer.dispose();
    }
  });

  test('the HTML report renders in headless chromium with the ROC chart and the metrics table', async () => {
    const all = results.map((r) => ({ ...r.result, label: r.set.name }));
    const out = join(work, 'report');
    const report = await writeReport(out, 'dev photos', all, all.reduce((n, r) => n + r.scored.length, 0));
    // ROC, one score histogram and one ERC chart per set.
    assert.equal(report.pngs.length, 1 + 2 * all.filter((r) => r.erc).length + all.filter((r) => !r.erc).length);
    assert.ok(all.every((r) => r.erc), 'every dev set has same and different pairs, so an ERC');
    for (const png of report.pngs) assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    const html = readFileSync(report.html, 'utf8');
    assert.doesNotMatch(html, /<script|src="http|href="http/, 'self-contained: no script, no outside resource');

    const dom = dumpDom(report.html);
    assert.match(dom, /<figure class="chart" id="roc"><svg[^]*?<\/svg>/, 'the ROC chart is in the rendered page');
    assert.match(dom, /<table id="metrics">[^]*?deepface[^]*?faceapi_bbt[^]*?<\/table>/, 'the metrics table lists every set');
    assert.match(dom, /<figure class="chart" id="erc-1"><svg[^]*?<\/svg>/, 'the ERC chart is in the rendered page');
    for (const signal of ['pose', 'blur', 'size', 'detection score', 'embedding norm', 'combined', 'oracle']) assert.match(dom, new RegExp(`<table class="erc">[^]*?<td>${signal}</td>`), `ERC area of ${signal}`);

    const shot = join(work, 'report.png');
    screenshot(report.html, shot);
    const frame = await readImage(shot);
    assert.ok(frame.width >= 1000 && frame.height >= 1500, `screenshot ${frame.width}x${frame.height}`);
    // Vega's series colours #4c78a8, #f58518, #e45756 (as B,G,R) are drawn only by the ROC lines.
    const series = [[168, 120, 76], [24, 133, 245], [86, 87, 228]];
    let chartPixels = 0;
    for (let p = 0; p < frame.data.length; p += 3) {
      if (series.some(([b, g, r]) => Math.abs(frame.data[p]! - b!) < 12 && Math.abs(frame.data[p + 1]! - g!) < 12 && Math.abs(frame.data[p + 2]! - r!) < 12)) chartPixels++;
    }
    assert.ok(chartPixels > 300, `chart colour pixels in the screenshot: ${chartPixels}`);
  });
});

/** LFW layout from the dev photos: <name>/<name>_0001.jpg links, and a view-2 pairs.txt. */
function buildLfw(root: string): { pairsFile: string; sets: number; perSet: number } {
  const people = [...faceapiBbt().images, ...faceRecognitionTrain().images];
  const byName = new Map<string, string[]>();
  for (const image of people) byName.set(image.identity, [...(byName.get(image.identity) ?? []), image.path]);
  const names = [...byName.keys()].sort();
  for (const name of names) {
    mkdirSync(join(root, name), { recursive: true });
    byName.get(name)!.forEach((path, i) => symlinkSync(path, join(root, name, `${name}_${String(i + 1).padStart(4, '0')}.jpg`)));
  }
  const same: string[] = [];
  const different: string[] = [];
  for (const name of names) {
    const n = byName.get(name)!.length;
    for (let i = 1; i <= n; i++) for (let j = i + 1; j <= n; j++) same.push(`${name}\t${i}\t${j}`);
  }
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) different.push(`${names[a]}\t${1 + (a % byName.get(names[a]!)!.length)}\t${names[b]}\t${1 + (b % byName.get(names[b]!)!.length)}`);
  }
  const sets = 10;
  const perSet = 8;
  const lines = [`${sets}\t${perSet}`];
  for (let s = 0; s < sets; s++) {
    for (let i = 0; i < perSet; i++) lines.push(same[(s * perSet + i) % same.length]!);
    for (let i = 0; i < perSet; i++) lines.push(different[(s * perSet + i) % different.length]!);
  }
  const pairsFile = join(root, 'pairs.txt');
  writeFileSync(pairsFile, lines.join('\n') + '\n');
  return { pairsFile, sets, perSet };
}

/** LFW view 2, written from its README: set k is the test set, the threshold is tuned on the other sets. */
function independentTenFold(lines: string[], scoreOf: (line: string) => number, sets: number, perSet: number): number {
  const labelled = lines.map((line, i) => ({ score: scoreOf(line), same: i % (2 * perSet) < perSet, set: Math.floor(i / (2 * perSet)) }));
  let sum = 0;
  for (let k = 0; k < sets; k++) {
    const train = labelled.filter((p) => p.set !== k);
    const sorted = [...new Set(train.map((p) => p.score))].sort((a, b) => a - b);
    const candidates = [sorted[0]! - 1, ...sorted.slice(1).map((v, i) => (v + sorted[i]!) / 2), sorted[sorted.length - 1]! + 1];
    const accuracy = (t: number, ps: typeof labelled) => ps.filter((p) => (p.score > t) === p.same).length / ps.length;
    const best = candidates.reduce((b, t) => (accuracy(t, train) > accuracy(b, train) ? t : b), candidates[0]!);
    sum += accuracy(best, labelled.filter((p) => p.set === k));
  }
  return sum / sets;
}

test('10-fold accuracy on an LFW-format pairs.txt equals an independent implementation; CLI --json shape; cache', async () => {
  const lfw = join(work, 'lfw');
  const { pairsFile, sets, perSet } = buildLfw(lfw);
  const input = readLfwPairs(pairsFile, lfw);
  const models = SCRFD_FR512();
  const [result] = await runEval(input, { models: [{ label: 'scrfd', options: { models } }], cacheDir });
  assert.equal(result!.noFace, 0);
  const lines = readFileSync(pairsFile, 'utf8').trim().split('\n').slice(1);
  // Scores come from eval's own pairs (order kept), looked up by line text for the independent run.
  const byLine = new Map(lines.map((line, i) => [line, result!.scored[i]!.score]));
  const expected = independentTenFold(lines, (line) => byLine.get(line)!, sets, perSet);
  console.log(`# LFW-format pairs (${lines.length}): eval accuracy ${result!.metrics.accuracy} ± ${result!.metrics.accuracyStd}, independent ${expected}`);
  assert.ok(Math.abs(result!.metrics.accuracy - expected) < 1e-12);

  // The CLI on the same file: the documented --json shape, the same accuracy, all from the cache.
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools', 'arcedge.ts'), 'eval', pairsFile, '--images', lfw, '--models', models, '--out', join(work, 'cli-report'), '--json'], {
    encoding: 'utf8',
    env: { ...process.env, ARCEDGE_HOME: join(work, 'home') },
  });
  const json = JSON.parse(stdout) as Record<string, unknown>[];
  assert.equal(json.length, 1);
  assert.deepEqual(Object.keys(json[0]!), ['models', 'pairs', 'noFace', 'multiFace', 'erc', 'auc', 'accuracy', 'accuracyStd', 'tarAtFar', 'eer', 'thresholds']);
  assert.deepEqual(Object.keys(json[0]!.tarAtFar as object), ['1e-2', '1e-3', '1e-4']);
  assert.equal(json[0]!.pairs, 2 * sets * perSet);
  assert.equal(json[0]!.accuracy, result!.metrics.accuracy);
  const again = await runEval(input, { models: [{ label: 'scrfd', options: { models } }], cacheDir });
  assert.equal(again[0]!.computed, 0, 'a re-run embeds nothing: every vector is cached');
  assert.equal(again[0]!.metrics.accuracy, result!.metrics.accuracy);
});
