/**
 * The gallery CLI as a user runs it (child processes, real models and photos): enroll a folder
 * of person folders, identify with --json (the line format is the contract scripts rely on),
 * then list / show / rename / export / import / remove, and the errors a user sees.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { localAssetSet } from '../analyzer/model-sets.ts';
import { assetFace } from '../helpers/assets.ts';
import { arcedge } from '../helpers/cli-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'arcedge-gallery-cli-'));
const gallery = join(dir, 'people.db');
const models = localAssetSet('gallery-cli-fr512', ['det_500m.onnx', 'fr_feature_512.onnx']);
const KNN = assetFace('face_recognition', 'examples', 'knn_examples');


test('enroll, identify --json, list, show, rename, export, import, remove', () => {
  const enrolled = arcedge('enroll', join(KNN, 'train'), '--gallery', gallery, '--models', models, '--json');
  assert.equal(enrolled.code, 0, enrolled.stderr);
  const summary = JSON.parse(enrolled.stdout) as { people: { name: string; created: boolean; added: number }[]; added: number; rejected: unknown[] };
  assert.deepEqual(summary.people.map((p) => p.name), ['alex_lacamoire', 'biden', 'kit_harington', 'obama', 'rose_leslie']);
  assert.equal(summary.added, 9);
  assert.deepEqual(summary.rejected, []);
  assert.equal((statSync(gallery).mode & 0o777).toString(8), '600');

  const identified = arcedge('identify', join(KNN, 'test', 'obama1.jpg'), join(KNN, 'test', 'kit_with_rose.jpg'), '--gallery', gallery, '--models', models, '--json');
  assert.equal(identified.code, 0, identified.stderr);
  const lines = identified.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; faces: Record<string, unknown>[] });
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.deepEqual(Object.keys(line), ['file', 'faces']);
    for (const face of line.faces) {
      assert.deepEqual(Object.keys(face), ['box', 'identity', 'score', 'margin']);
      assert.deepEqual(Object.keys(face.box as object), ['x1', 'y1', 'x2', 'y2']);
      if (face.identity !== null) assert.deepEqual(Object.keys(face.identity as object), ['id', 'name']);
    }
  }
  assert.deepEqual(lines[0]!.faces.map((f) => (f.identity as { name: string } | null)?.name), ['obama']);
  assert.deepEqual(lines[1]!.faces.map((f) => (f.identity as { name: string } | null)?.name).sort(), ['kit_harington', 'rose_leslie']);

  const listed = JSON.parse(arcedge('gallery', 'list', '--gallery', gallery, '--json').stdout) as { id: string; name: string; templateCount: number }[];
  assert.equal(listed.length, 5);
  const obama = listed.find((i) => i.name === 'obama')!;
  assert.equal(arcedge('gallery', 'rename', 'obama', 'Barack Obama', '--gallery', gallery).code, 0);
  const shown = JSON.parse(arcedge('gallery', 'show', obama.id, '--gallery', gallery, '--json').stdout) as { name: string; templates: unknown[] };
  assert.equal(shown.name, 'Barack Obama');
  assert.equal(shown.templates.length, obama.templateCount);
  const meta = JSON.parse(arcedge('gallery', 'show', '--gallery', gallery, '--json').stdout) as { modelId: string; thresholdSource: string; far: number };
  assert.deepEqual([meta.modelId, meta.thresholdSource, meta.far], ['faceplugin-feature-512', 'recognizer', 0.001]);

  const exported = join(dir, 'people.jsonl');
  assert.equal(arcedge('gallery', 'export', exported, '--gallery', gallery).code, 0);
  assert.equal((statSync(exported).mode & 0o777).toString(8), '600');
  const copy = join(dir, 'copy.db');
  const imported = JSON.parse(arcedge('gallery', 'import', exported, '--gallery', copy, '--json').stdout) as { templates: number; createdIdentities: number };
  assert.deepEqual([imported.templates, imported.createdIdentities], [9, 5]);
  const again = JSON.parse(arcedge('gallery', 'import', exported, '--gallery', copy, '--json').stdout) as { templates: number; skippedDuplicates: number };
  assert.deepEqual([again.templates, again.skippedDuplicates], [0, 9]);

  assert.equal(arcedge('gallery', 'remove', 'Barack Obama', '--gallery', gallery).code, 0);
  assert.equal((JSON.parse(arcedge('gallery', 'list', '--gallery', gallery, '--json').stdout) as unknown[]).length, 4);
});

test('user errors: missing gallery, usage, a corrupt file', () => {
  const missing = arcedge('gallery', 'list', '--gallery', join(dir, 'nope.db'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\[GALLERY_NOT_FOUND\]/);
  const usage = arcedge('gallery', 'rename', 'x', '--gallery', gallery);
  assert.equal(usage.code, 2);
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'definitely not a database, just some text that is long enough');
  const corrupt = arcedge('gallery', 'show', '--gallery', junk);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.stderr, /\[GALLERY_KEY_REQUIRED\] .*encrypted gallery .*or a damaged file/);
});
