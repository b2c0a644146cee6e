/** Sessions are released deterministically: dispose is idempotent, waits for running calls, and nothing grows over many calls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFaceAnalyzer } from '../../sdk/analyzer/index.ts';
import { readImage } from '../../sdk/image/index.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { assetFace } from '../helpers/assets.ts';
import { openSessionCount } from '../../sdk/runtime/index.ts'; // test-only: not on any entry
import { SCRFD_FR512 } from './model-sets.ts';

test('dispose is idempotent; analyze after dispose is BACKEND_DISPOSED', async () => {
  const open = openSessionCount();
  const analyzer = await createFaceAnalyzer({ models: SCRFD_FR512() });
  assert.equal(openSessionCount(), open + 3, 'detector + pose landmarks + recognizer sessions (the face check is opt-in)');
  const frame = await readImage(assetFace('debian', 'messi5.jpg'));
  assert.equal((await analyzer.analyze(frame)).length, 1);
  await Promise.all([analyzer.dispose(), analyzer.dispose()]);
  await analyzer.dispose();
  assert.equal(openSessionCount(), open, 'every session released');
  await assert.rejects(analyzer.analyze(frame), (error: unknown) => {
    assert.ok(isArcEdgeError(error, 'BACKEND_DISPOSED'), String(error));
    assert.match(error.message, /createFaceAnalyzer/);
    return true;
  });
});

test('dispose while analyses run: they finish, then the sessions are released', async () => {
  const analyzer = await createFaceAnalyzer({ models: SCRFD_FR512() });
  const frame = await readImage(assetFace('debian', 'messi5.jpg'));
  const running = [analyzer.analyze(frame), analyzer.analyze(frame)];
  const open = openSessionCount();
  const disposed = analyzer.dispose();
  const results = await Promise.all(running);
  await disposed;
  assert.deepEqual(results.map((faces) => faces.length), [1, 1]);
  assert.equal(openSessionCount(), open - 3, 'released after the running calls finished');
});

test('200 analyses: RSS stays bounded (no native Mat or tensor leak)', async () => {
  const analyzer = await createFaceAnalyzer({ models: SCRFD_FR512() });
  try {
    const frame = await readImage(assetFace('face_recognition', 'examples', 'two_people.jpg'));
    for (let i = 0; i < 20; i++) await analyzer.analyze(frame); // warm-up: allocator pools and JIT settle
    // scripts/test.sh runs node with --expose-gc; without it this test would measure garbage, not leaks.
    assert.equal(typeof globalThis.gc, 'function', 'run with node --expose-gc (scripts/test.sh does)');
    globalThis.gc!();
    const before = process.memoryUsage().rss;
    let faces = 0;
    for (let i = 0; i < 200; i++) faces += (await analyzer.analyze(frame)).length;
    globalThis.gc!();
    const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
    console.log(`RSS growth over 200 analyses: ${grownMb.toFixed(1)} MB (${faces} faces)`);
    assert.equal(faces, 400);
    // A leaked frame-sized buffer per call would be 200 x ~0.5 MB = 100+ MB.
    assert.ok(grownMb < 40, `RSS grew ${grownMb.toFixed(1)} MB`);
    const stats = analyzer.stats();
    assert.equal(stats.calls, 220);
    assert.equal(stats.faces, 440);
    assert.equal(stats.modelRuns.embed, stats.faces); // fr_feature_512 has a fixed batch of 1: one run per face
    // Input planning (sdk/detect/scale-plan.ts) runs a small pass first and the full one only when
    // faces may be too small for it: one or two detector runs per call, never more.
    assert.ok(stats.modelRuns.detect >= 220 && stats.modelRuns.detect <= 440, `detector runs ${stats.modelRuns.detect} for 220 calls`);
  } finally {
    await analyzer.dispose();
  }
});
