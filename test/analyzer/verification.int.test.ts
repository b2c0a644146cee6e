/**
 * Acceptance: same/different separation on every labelled dev photo set, for three model
 * combinations, end to end through createFaceAnalyzer (decode -> detect -> align -> embed).
 * Prints AUC (exact, Mann-Whitney), the score distributions and the threshold at FAR 1e-3.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFaceAnalyzer, type FaceAnalyzer, type FaceAnalyzerOptions } from '../../sdk/analyzer/index.ts';
import { devSets, type DevSet } from './dev-sets.ts';
import { scorePairs, type PairScores } from './embed-photos.ts';
import { defaultSet, SCRFD_FR512, SCRFD_PADDLE128 } from './model-sets.ts';
import { acceptRate, aucMannWhitney, distribution, thresholdAtFar, type Distribution } from './roc.ts';

const MIN_AUC = 0.999;
const FAR = 1e-3;

const fmt = (d: Distribution) => `n=${d.n} min=${d.min.toFixed(3)} mean=${d.mean.toFixed(3)} max=${d.max.toFixed(3)}`;

function report(label: string, scores: PairScores): { auc: number; threshold: number } {
  const auc = aucMannWhitney(scores.same, scores.different);
  const threshold = thresholdAtFar(scores.different, FAR);
  console.log(
    `${label}: AUC=${auc.toFixed(5)}  threshold@FAR${FAR}=${threshold.toFixed(3)} (TAR ${(100 * acceptRate(scores.same, threshold)).toFixed(1)}%)\n` +
      `#   same      ${fmt(distribution(scores.same))}\n   different ${fmt(distribution(scores.different))}`,
  );
  return { auc, threshold };
}

const configs: [string, () => Promise<FaceAnalyzerOptions>][] = [
  ['det_500m + fr_feature_512', async () => ({ models: SCRFD_FR512() })],
  ['det_500m + mobilefacenet_paddle_128', async () => ({ models: SCRFD_PADDLE128() })],
  ['default set (ultraface + landmark68 + fr_feature)', async () => ({ models: await defaultSet() })],
];

const sets: DevSet[] = devSets();

for (const [label, options] of configs) {
  describe(label, () => {
    let analyzer: FaceAnalyzer;
    const cache = new Map<string, Float32Array | null>();
    const pooled: PairScores = { same: [], different: [], missed: [] };
    before(async () => {
      analyzer = await createFaceAnalyzer(await options());
    });
    after(() => analyzer.dispose());

    for (const set of sets) {
      test(`${set.name}: every photo has a face, AUC >= ${MIN_AUC}`, async () => {
        const scores = await scorePairs(analyzer, set, cache);
        assert.deepEqual(scores.missed, [], `no face found in ${scores.missed.join(', ')}`);
        assert.ok(scores.same.length > 0 && scores.different.length > 0, 'the set has both kinds of pairs');
        pooled.same.push(...scores.same);
        pooled.different.push(...scores.different);
        const { auc } = report(`${label} / ${set.name}`, scores);
        assert.ok(auc >= MIN_AUC, `AUC ${auc} < ${MIN_AUC}`);
      });
    }

    test(`all sets pooled: AUC >= ${MIN_AUC}`, () => {
      assert.equal(pooled.same.length + pooled.different.length, sets.reduce((n, s) => n + s.pairs.length, 0));
      const { auc, threshold } = report(`${label} / pooled`, pooled);
      assert.ok(auc >= MIN_AUC, `AUC ${auc} < ${MIN_AUC}`);
      assert.ok(threshold > 0 && threshold < 1, `threshold ${threshold}`);
    });
  });
}
