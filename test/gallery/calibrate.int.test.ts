/**
 * Threshold recommendations say how much to trust them (issue 24 item 4): the impostor count above
 * each threshold, a 95% interval of the true FAR there, and the threshold range that interval
 * maps to; a FAR with fewer than 1/FAR impostor pairs is flagged as not measurable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recommendThresholds } from '../../sdk/gallery/calibrate.ts';
import { rng } from '../helpers/random.ts';

// Impostor scores ~ N(0.05, 0.1), genuine ~ N(0.7, 0.12): the shape the dev photos show.
function normal(rand: () => number, mean: number, sd: number): number {
  return mean + sd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

test('with 100,000 impostor pairs every FAR down to 1e-4 is measured, with a tight interval', () => {
  const rand = rng(11);
  const different = Array.from({ length: 100_000 }, () => normal(rand, 0.05, 0.1));
  const same = Array.from({ length: 2_000 }, () => normal(rand, 0.7, 0.12));
  const c = recommendThresholds(same, different);
  for (const r of c.recommendations) {
    assert.equal(r.measurable, true);
    assert.ok(r.impostorsAbove <= r.far * different.length, `${r.far}: ${r.impostorsAbove} above`);
    assert.ok(r.farInterval95[0] <= r.far && r.far <= r.farInterval95[1] * 1.5, `${r.far}: ${r.farInterval95}`);
    assert.ok(r.thresholdInterval95[0] <= r.threshold && r.threshold <= r.thresholdInterval95[1], `${r.far}: ${r.thresholdInterval95} around ${r.threshold}`);
  }
  // The true 1e-3 quantile of N(0.05, 0.1) is 0.05 + 3.09 * 0.1 = 0.359.
  const t3 = c.recommendations.find((r) => r.far === 1e-3)!;
  assert.ok(Math.abs(t3.threshold - 0.359) < 0.02, `threshold ${t3.threshold}`);
});

test('with 994 impostor pairs FAR 1e-3 and 1e-4 are flagged, and the interval says how wide the truth may be', () => {
  const rand = rng(12);
  const different = Array.from({ length: 994 }, () => normal(rand, 0.05, 0.1));
  const same = Array.from({ length: 122 }, () => normal(rand, 0.7, 0.12));
  const c = recommendThresholds(same, different);
  const byFar = new Map(c.recommendations.map((r) => [r.far, r]));
  assert.equal(byFar.get(1e-2)!.measurable, true);
  assert.equal(byFar.get(1e-3)!.measurable, false);
  assert.equal(byFar.get(1e-4)!.impostorsAbove, 0, 'the highest impostor score');
  // 0 of 994 above: the true FAR may still be up to ~0.4%.
  assert.ok(byFar.get(1e-4)!.farInterval95[1] > 3e-3, String(byFar.get(1e-4)!.farInterval95));
});
