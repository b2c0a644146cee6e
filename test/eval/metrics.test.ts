/**
 * tools/eval/metrics.ts against independent brute-force versions written here differently:
 * AUC by comparing every same pair with every different pair, and the LFW 10-fold protocol
 * with folds read from a pairs.txt-style layout and every candidate threshold counted naively.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aucMannWhitney, equalErrorRate, kFoldAccuracy, thresholdAtFar, verificationMetrics, type ScoredPair } from '../../tools/eval/metrics.ts';

/** Deterministic pseudo-random numbers (a 32-bit LCG), so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** LFW view-2 layout: `sets` sets, each `perSet` same pairs then `perSet` different pairs. Scores overlap. */
function lfwLayout(sets: number, perSet: number, seed: number, quantum = 0): ScoredPair[] {
  const r = random(seed);
  const q = (v: number) => (quantum ? Math.round(v / quantum) * quantum : v); // quantised scores create ties
  const pairs: ScoredPair[] = [];
  for (let s = 0; s < sets; s++) {
    for (let i = 0; i < perSet; i++) pairs.push({ same: true, score: q(0.45 + 0.35 * (r() + r() - 1)) });
    for (let i = 0; i < perSet; i++) pairs.push({ same: false, score: q(0.15 + 0.35 * (r() + r() - 1)) });
  }
  return pairs;
}

function bruteForceAuc(pairs: readonly ScoredPair[]): number {
  let wins = 0, total = 0;
  for (const s of pairs.filter((p) => p.same)) {
    for (const d of pairs.filter((p) => !p.same)) {
      total++;
      wins += s.score > d.score ? 1 : s.score === d.score ? 0.5 : 0;
    }
  }
  return wins / total;
}

/** The protocol as LFW states it: each set in turn is the test set; the threshold is tuned on the other nine. */
function bruteForceTenFold(pairs: readonly ScoredPair[], sets: number): number[] {
  const setSize = pairs.length / sets;
  const accuracies: number[] = [];
  for (let k = 0; k < sets; k++) {
    const test = pairs.filter((_, i) => Math.floor(i / setSize) === k);
    const train = pairs.filter((_, i) => Math.floor(i / setSize) !== k);
    const values = [...new Set(train.map((p) => p.score))].sort((a, b) => a - b);
    const candidates = [values[0]! - 1];
    for (let i = 0; i + 1 < values.length; i++) candidates.push((values[i]! + values[i + 1]!) / 2);
    candidates.push(values[values.length - 1]! + 1);
    let bestT = NaN, bestRight = -1;
    for (const t of candidates) {
      let right = 0;
      for (const p of train) if ((p.score > t) === p.same) right++;
      if (right > bestRight) (bestRight = right), (bestT = t); // strictly better only: the lowest best threshold wins
    }
    let right = 0;
    for (const p of test) if ((p.score > bestT) === p.same) right++;
    accuracies.push(right / test.length);
  }
  return accuracies;
}

test('AUC equals the brute-force pair count, ties included', () => {
  for (const [seed, quantum] of [[1, 0], [2, 0.05], [3, 0.2]] as const) {
    const pairs = lfwLayout(3, 40, seed, quantum);
    const auc = aucMannWhitney(pairs.filter((p) => p.same).map((p) => p.score), pairs.filter((p) => !p.same).map((p) => p.score));
    assert.ok(Math.abs(auc - bruteForceAuc(pairs)) < 1e-12, `seed ${seed}: ${auc} vs ${bruteForceAuc(pairs)}`);
    assert.ok(auc > 0.5 && auc < 1, 'overlapping scores: a non-trivial AUC');
  }
});

test('10-fold accuracy equals the brute-force LFW protocol (overlapping and tied scores)', () => {
  for (const [seed, quantum] of [[11, 0], [12, 0.02], [13, 0.1]] as const) {
    const pairs = lfwLayout(10, 30, seed, quantum);
    const expected = bruteForceTenFold(pairs, 10);
    const got = kFoldAccuracy(pairs);
    assert.deepEqual(got.perFold.map((a) => a.toFixed(12)), expected.map((a) => a.toFixed(12)));
    const mean = expected.reduce((a, b) => a + b, 0) / 10;
    assert.ok(Math.abs(got.accuracy - mean) < 1e-12);
    assert.ok(got.accuracy > 0.6 && got.accuracy < 0.99, `a non-trivial accuracy: ${got.accuracy}`);
    assert.ok(got.accuracyStd > 0);
  }
});

test('TAR at FAR, EER and n/a where the pairs cannot resolve a FAR', () => {
  const pairs = lfwLayout(10, 60, 21); // 600 different pairs: 1e-2 resolvable, 1e-3 and 1e-4 not
  const m = verificationMetrics(pairs);
  const different = pairs.filter((p) => !p.same).map((p) => p.score).sort((a, b) => b - a);
  const t = thresholdAtFar(different, 1e-2);
  assert.equal(different.filter((v) => v > t).length, 6); // exactly 1% strictly above
  assert.equal(m.thresholds.far1e2, t);
  assert.equal(m.tarAtFar['1e-2'], pairs.filter((p) => p.same && p.score > t).length / 600);
  assert.equal(m.tarAtFar['1e-3'], null);
  assert.equal(m.thresholds.far1e4, null);
  // EER: at its threshold FAR and FRR are as close as any threshold makes them.
  const same = pairs.filter((p) => p.same).map((p) => p.score);
  const { eer, threshold } = equalErrorRate(same, different);
  const far = different.filter((v) => v > threshold).length / different.length;
  const frr = same.filter((v) => v <= threshold).length / same.length;
  assert.ok(Math.abs(far - frr) <= 2 / 600 && Math.abs(eer - (far + frr) / 2) < 1e-12, `far ${far} frr ${frr}`);
  assert.ok(eer > 0.02 && eer < 0.4);
});
