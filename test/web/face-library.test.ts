/** The face library's grouping rule: average linkage stopped at the recognizer's threshold. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { centroid, clusterByThreshold, IgnoredFaces } from '../../agent/web/face-library.ts';

/** A unit vector near `base` (cosine about 1 - spread^2 / 2 per random component). */
function near(base: Float32Array, spread: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const v = base.map((x) => x + rand() * spread);
  return centroid([v]);
}

test('two identities seen three times each and one face seen once: groups of 3, 3 and 1', () => {
  const dims = 128;
  const axis = (k: number) => Float32Array.from({ length: dims }, (_, i) => (i === k ? 1 : 0));
  const a = [1, 2, 3].map((s) => near(axis(0), 0.08, s));
  const b = [4, 5, 6].map((s) => near(axis(1), 0.08, s));
  const lone = near(axis(2), 0.08, 7);
  const vectors = [a[0]!, b[0]!, lone, a[1]!, b[1]!, a[2]!, b[2]!];
  const groups = clusterByThreshold(vectors, 0.4).map((g) => g.sort((x, y) => x - y));
  assert.deepEqual(groups.map((g) => g.length), [3, 3, 1]);
  assert.deepEqual(groups.slice(0, 2).sort((x, y) => x[0]! - y[0]!), [[0, 3, 5], [1, 4, 6]]);
  // At a threshold above every pair's similarity nothing merges.
  assert.equal(clusterByThreshold(vectors, 1.01).length, vectors.length);
});

test('an ignored group hides faces like it, and the list survives a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-ignored-'));
  try {
    const file = join(dir, 'ignored.json');
    const painting = [1, 2, 3].map((s) => near(Float32Array.from({ length: 64 }, (_, i) => (i === 5 ? 1 : 0)), 0.05, s));
    new IgnoredFaces(file).add(painting);
    const again = new IgnoredFaces(file);
    assert.equal(again.groups.length, 1);
    assert.ok(again.matches(near(painting[0]!, 0.05, 9), 0.4));
    assert.ok(!again.matches(near(Float32Array.from({ length: 64 }, (_, i) => (i === 6 ? 1 : 0)), 0.05, 9), 0.4));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
