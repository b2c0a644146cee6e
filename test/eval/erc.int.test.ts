/**
 * ERC (issue 24 item 2): a signal that predicts the false non-matches drops FNMR as it rejects
 * (relative area well below 1); an unrelated one does not (about 1); the oracle is the floor.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineByRank, errorVersusReject, type QualityPair } from '../../tools/eval/erc.ts';
import { rng } from '../helpers/random.ts';

test('a predictive signal beats a random one, and the oracle beats both', () => {
  const rand = rng(5);
  const images = 400;
  const quality = Array.from({ length: images }, () => rand()); // 0 = bad photo
  const noise = Array.from({ length: images }, () => rand());
  const identity = Array.from({ length: images }, (_, i) => Math.floor(i / 4));
  const pairs: QualityPair[] = [];
  for (let a = 0; a < images; a++) {
    for (let b = a + 1; b < images; b++) {
      const same = identity[a] === identity[b];
      if (!same && rand() > 0.2) continue;
      const q = Math.min(quality[a]!, quality[b]!);
      // Same-person scores fall with quality: bad photos are the false non-matches.
      const score = same ? 0.15 + 0.8 * q + 0.1 * (rand() - 0.5) : 0.3 * (rand() - 0.5) + 0.05;
      pairs.push({ a, b, score, same });
    }
  }
  const erc = errorVersusReject(pairs, { quality, noise, combined: combineByRank({ quality, noise }) });
  const area = (name: string) => erc.curves.find((c) => c.signal === name)!.relativeArea;
  console.log(`# FNMR ${erc.fnmrAtZero.toFixed(3)}; relative areas: ${erc.curves.map((c) => `${c.signal} ${c.relativeArea.toFixed(3)}`).join(', ')}`);
  assert.ok(erc.fnmrAtZero > 0.02, 'the setup has errors to remove');
  assert.ok(area('quality') < 0.5, `predictive signal ${area('quality')}`);
  assert.ok(area('noise') > 0.8, `random signal ${area('noise')}`);
  assert.ok(area('oracle') <= area('quality'));
  assert.ok(area('combined') < area('noise'));
  const q = erc.curves.find((c) => c.signal === 'quality')!;
  assert.ok(q.points.at(-1)!.fnmr < q.points[0]!.fnmr / 2, 'FNMR at 30% rejected is less than half of that at 0%');
});
