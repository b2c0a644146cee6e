/**
 * sdk/match against independent references: scores against a float64 dot product per row,
 * top-k against a full sort, aggregation against per-identity lists built by hand, and the
 * accuracy cost of float16 and int8 storage measured (and printed) on random unit vectors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankIdentities } from '../../sdk/match/aggregate.ts';
import { EmbeddingMatrix, MatchIndex, decideOpenSet, fromHalf, toHalf, topK } from '../../sdk/match/index.ts';
import { dot, near, rng, unitVector } from './random.ts';

test('float16 conversion round-trips exactly representable values and rounds to nearest', () => {
  for (const v of [0, 1, -2, 0.5, 65504, -0.000060975551605224609375, 2 ** -24]) assert.equal(fromHalf(toHalf(v)), v);
  // 1 + 2^-11 lies exactly between two halves: ties go to even (1.0).
  assert.equal(fromHalf(toHalf(1 + 2 ** -11)), 1);
  assert.equal(fromHalf(toHalf(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
  assert.equal(fromHalf(toHalf(1e6)), Number.POSITIVE_INFINITY);
});

test('float32 scan equals a float64 dot product per row; topK equals a full sort', () => {
  const random = rng(1);
  const m = new EmbeddingMatrix({ dim: 37, initialCapacity: 2 });
  const rows = Array.from({ length: 300 }, () => unitVector(37, random));
  rows.forEach((r) => m.push(r));
  const q = unitVector(37, random);
  const scores = m.scores(q);
  rows.forEach((r, i) => assert.ok(Math.abs(scores[i]! - dot(r, q)) < 1e-5, `row ${i}`));
  const sorted = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!);
  assert.deepEqual(topK(scores, 7), sorted.slice(0, 7));
  assert.deepEqual(topK(scores, 1), sorted.slice(0, 1));
});

test('the WebAssembly SIMD kernels (dim 512) equal a float64 dot product and the JS int8 kernel', () => {
  const random = rng(4);
  const rows = Array.from({ length: 257 }, () => unitVector(512, random));
  const q = unitVector(512, random);
  const f32 = new EmbeddingMatrix({ dim: 512, initialCapacity: 1 });
  rows.forEach((r) => f32.push(r));
  assert.equal(f32.kernel, 'wasm-simd');
  const scores = f32.scores(q);
  rows.forEach((r, i) => assert.ok(Math.abs(scores[i]! - dot(r, q)) < 1e-5, `row ${i}`));
  const i8 = new EmbeddingMatrix({ dim: 512, storage: 'int8' });
  rows.forEach((r) => i8.push(r));
  assert.equal(i8.kernel, 'wasm-simd');
  const got = i8.scores(q);
  // The same int8 rows through the JS kernel, decoded independently by row().
  rows.forEach((_, i) => assert.ok(Math.abs(got[i]! - dot(i8.row(i), q)) < 1e-5, `int8 row ${i}`));
  assert.equal(new EmbeddingMatrix({ dim: 37 }).kernel, 'js');
  assert.equal(new EmbeddingMatrix({ dim: 512, storage: 'float16' }).kernel, 'js');
});

test('float16 and int8 storage: score error and rank-1 agreement with float32 (measured)', () => {
  const random = rng(2);
  const dim = 512;
  const n = 2000;
  const rows = Array.from({ length: n }, () => unitVector(dim, random));
  const probes = Array.from({ length: 50 }, (_, i) => near(rows[i * 7]!, 0.5, random));
  const exact = new EmbeddingMatrix({ dim, storage: 'float32' });
  rows.forEach((r) => exact.push(r));
  for (const [storage, maxError] of [['float16', 2e-3], ['int8', 2e-2]] as const) {
    const m = new EmbeddingMatrix({ dim, storage });
    rows.forEach((r) => m.push(r));
    let worst = 0;
    let agree = 0;
    for (const p of probes) {
      const a = exact.scores(p);
      const b = m.scores(p);
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      if (topK(a, 1)[0] === topK(b, 1)[0]) agree++;
    }
    console.log(`# ${storage}: ${m.bytes / n} bytes/template, max |score error| ${worst.toExponential(2)}, rank-1 agreement ${agree}/${probes.length}`);
    assert.ok(worst < maxError, `${storage} error ${worst}`);
    assert.equal(agree, probes.length);
  }
});

test('MatchIndex: remove keeps every other row addressable; identities aggregate best or trimmed mean', () => {
  const random = rng(3);
  const base = { a: unitVector(64, random), b: unitVector(64, random) };
  const index = new MatchIndex({ dim: 64 });
  const templates: [string, 'a' | 'b', Float32Array][] = [];
  for (let i = 0; i < 10; i++) templates.push([`t${i}`, i % 2 ? 'a' : 'b', near(base[i % 2 ? 'a' : 'b'], 0.6 + i * 0.03, random)]);
  for (const [t, who, v] of templates) index.add(t, who, v);
  assert.equal(index.remove('t3'), true);
  assert.equal(index.remove('t3'), false);
  const kept = templates.filter(([t]) => t !== 't3');
  const probe = base.a;
  const hits = index.searchTemplates(probe, kept.length);
  const expected = kept.map(([t, who, v]) => ({ t, who, s: dot(v, probe) })).sort((x, y) => y.s - x.s);
  assert.deepEqual(hits.map((h) => h.templateId), expected.map((e) => e.t));
  const bestA = Math.max(...expected.filter((e) => e.who === 'a').map((e) => e.s));
  const ranked = index.rank(probe, 2);
  assert.equal(ranked[0]!.identityId, 'a');
  assert.ok(Math.abs(ranked[0]!.score - bestA) < 1e-6);
  assert.equal(ranked[0]!.templates, 4);

  const trimmed = new MatchIndex({ dim: 64, aggregation: 'trimmed-mean', trimFraction: 0.25 });
  for (const [t, who, v] of kept) trimmed.add(t, who, v);
  const aScores = expected.filter((e) => e.who === 'a').map((e) => e.s).sort((x, y) => x - y);
  const drop = Math.floor(aScores.length * 0.25);
  const mean = aScores.slice(drop, aScores.length - drop).reduce((s, v) => s + v, 0) / (aScores.length - 2 * drop);
  assert.ok(Math.abs(trimmed.rank(probe, 1)[0]!.score - mean) < 1e-6);
  assert.equal(index.removeIdentity('b'), 5);
  assert.deepEqual(new Set(index.searchTemplates(probe, 20).map((h) => h.identityId)), new Set(['a']));
});

test('rankIdentities selects the k best identities like a stable full sort, ties and empty identities included', () => {
  const random = rng(17);
  const identities = 300;
  const rows = 1200;
  // Scores on a coarse grid, so that many identities tie; identity 7 has no templates left.
  const scores = Float32Array.from({ length: rows }, () => Math.round(random() * 40) / 40);
  const labels = Int32Array.from({ length: rows }, () => Math.floor(random() * identities));
  for (let r = 0; r < rows; r++) if (labels[r] === 7) labels[r] = 8;
  const ids = Array.from({ length: identities }, (_, i) => `p${i}`);
  const templateIds = Array.from({ length: rows }, (_, r) => `t${r}`);
  for (const aggregation of ['best', 'trimmed-mean'] as const) {
    const all = rankIdentities(scores, labels, ids, templateIds, identities + 1, { aggregation }); // k > 64: the full sort
    assert.equal(all.length, new Set(labels).size, 'identities without templates are not ranked');
    assert.ok(!all.some((r) => r.identityId === 'p7'));
    for (const k of [0, 1, 2, 5, 64]) {
      assert.deepEqual(rankIdentities(scores, labels, ids, templateIds, k, { aggregation }), all.slice(0, k), `${aggregation} k=${k}`);
    }
  }
});

test('open-set decision: threshold, margin, single identity, empty gallery', () => {
  const r = (id: string, score: number) => ({ identityId: id, score, bestTemplateId: id, templates: 1 });
  assert.deepEqual(decideOpenSet([], { threshold: 0.4, margin: 0.03 }), { identityId: null, score: 0, margin: 0, candidateId: null, reason: 'empty-gallery' });
  assert.equal(decideOpenSet([r('a', 0.39), r('b', 0.1)], { threshold: 0.4, margin: 0 }).reason, 'below-threshold');
  const tie = decideOpenSet([r('a', 0.6), r('b', 0.58)], { threshold: 0.4, margin: 0.03 });
  assert.equal(tie.identityId, null);
  assert.equal(tie.reason, 'ambiguous');
  assert.equal(tie.candidateId, 'a');
  const clear = decideOpenSet([r('a', 0.6), r('b', 0.5)], { threshold: 0.4, margin: 0.03 });
  assert.equal(clear.identityId, 'a');
  assert.ok(Math.abs(clear.margin - 0.1) < 1e-12);
  // One identity: the second score counts as 0.
  assert.deepEqual(decideOpenSet([r('a', 0.7)], { threshold: 0.4, margin: 0.03 }).margin, 0.7);
});

test('bad input is refused with INVALID_ARGUMENT', () => {
  const m = new EmbeddingMatrix({ dim: 4 });
  assert.throws(() => m.push(new Float32Array(5)), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => m.scores(new Float32Array(3)), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => new EmbeddingMatrix({ dim: 0 }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => new EmbeddingMatrix({ dim: 4, storage: 'bf16' as never }), { code: 'INVALID_ARGUMENT' });
});
