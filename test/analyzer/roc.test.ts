import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptRate, aucMannWhitney, distribution, thresholdAtFar } from './roc.ts';

test('AUC: perfect, inverted, chance and ties', () => {
  assert.equal(aucMannWhitney([0.9, 0.8], [0.1, 0.2, 0.3]), 1);
  assert.equal(aucMannWhitney([0.1], [0.9]), 0);
  assert.equal(aucMannWhitney([0.5], [0.5]), 0.5);
  // 1 of 4 pairs inverted, 1 tied: (2 + 0.5) / 4
  assert.equal(aucMannWhitney([0.6, 0.4], [0.4, 0.5]), 2.5 / 4);
});

test('threshold at FAR and accept rate', () => {
  const diff = Array.from({ length: 2000 }, (_, i) => i / 2000);
  const t = thresholdAtFar(diff, 1e-3);
  assert.equal(diff.filter((v) => v > t).length, 2); // <= 0.1% strictly above
  assert.equal(thresholdAtFar([0.1, 0.3, 0.2], 1e-3), 0.3);
  assert.equal(acceptRate([0.2, 0.5, 0.9], 0.4), 2 / 3);
  assert.deepEqual(distribution([1, 2, 3]), { n: 3, min: 1, mean: 2, max: 3 });
});
