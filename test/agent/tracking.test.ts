/**
 * Tracker and per-track decisions on synthetic detections and embeddings (no models): one event
 * per decision and one per decided track end, embeddings only when a track needs them, a cut in
 * the video splits the track, votes are quality-weighted, and the cooldown holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Detection } from '../../sdk/index.ts';
import { CameraDecisions, type DecisionOptions } from '../../agent/track/decisions.ts';
import { tallyVotes } from '../../agent/track/voting.ts';

const OPTIONS: DecisionOptions = { device: 'd', camera: 'c', iouThreshold: 0.3, maxMissedMs: 500, cutSimilarity: 0.2, minVotes: 3, maxVotes: 5, recheckMs: 2000, minFacePx: 20, cooldownMs: 0 };

function detection(x: number, score = 0.9, size = 120): Detection {
  const p = { x: x + size / 2, y: 100 };
  return { box: { x1: x, y1: 50, x2: x + size, y2: 50 + size }, score, landmarks: [p, p, p, p, p] } as Detection;
}

/** A unit vector along axis `k` of 8 (distinct people are orthogonal). */
const person = (k: number): Float32Array => Float32Array.from({ length: 8 }, (_, i) => (i === k ? 1 : 0));
const ALICE = { id: 'alice', name: 'Alice' };

/** Runs frames of one face at `x`, identified as `who` with `score`, every 100 ms from t0. */
function play(d: CameraDecisions, frames: number, t0: number, x: number, embedding: Float32Array, who: typeof ALICE | null, score: number) {
  const events = [];
  let embedded = 0;
  for (let i = 0; i < frames; i++) {
    const t = t0 + i * 100;
    const obs = d.observe([detection(x + i)], t);
    events.push(...obs.events);
    for (const { track, detection: det } of obs.toEmbed) {
      embedded++;
      events.push(...d.addEmbedding(track, det, embedding, { identity: who, score, weight: 1 }, t));
    }
  }
  return { events, embedded };
}

test('one recognized event per appearance, one track_end when it ends, embeds only while voting', () => {
  const d = new CameraDecisions(OPTIONS);
  const first = play(d, 15, 0, 100, person(0), ALICE, 0.8);
  assert.deepEqual(first.events.map((e) => e.type), ['recognized']);
  assert.equal(first.events[0]!.identity?.id, 'alice');
  assert.ok(first.embedded >= 3 && first.embedded <= 5, `embedded ${first.embedded} of 15 frames`);
  const ended = d.observe([], 1400 + 600);
  assert.deepEqual(ended.events.map((e) => e.type), ['track_end']);
  assert.equal(ended.events[0]!.track, first.events[0]!.track);
  assert.notEqual(ended.events[0]!.id, first.events[0]!.id);
});

test('a stranger is decided unknown once; a one-frame flicker is not an event', () => {
  const d = new CameraDecisions(OPTIONS);
  const stranger = play(d, 10, 0, 100, person(1), null, 0.1);
  assert.deepEqual(stranger.events.map((e) => e.type), ['unknown']);
  assert.equal(stranger.events[0]!.identity, null);
  const flicker = new CameraDecisions(OPTIONS);
  play(flicker, 1, 0, 300, person(2), null, 0.1);
  assert.deepEqual(flicker.observe([], 2000).events, []);
});

test('an abrupt change of embedding in the same place (a cut) ends the track and starts a new one', () => {
  const d = new CameraDecisions(OPTIONS);
  const a = play(d, 6, 0, 100, person(0), ALICE, 0.8);
  // Same box, other person, after the re-check interval: the re-check embeds and sees the cut.
  const b = play(d, 6, 2600, 106, person(1), null, 0.05);
  assert.deepEqual(a.events.map((e) => e.type), ['recognized']);
  assert.deepEqual(b.events.map((e) => e.type), ['track_end', 'unknown']);
  assert.notEqual(b.events[1]!.track, a.events[0]!.track);
});

test('votes are weighted by quality: two poor frames cannot outvote three good ones', () => {
  const bob = { id: 'bob', name: 'Bob' };
  const r = tallyVotes([
    { identity: ALICE, score: 0.7, weight: 0.9 },
    { identity: ALICE, score: 0.6, weight: 0.9 },
    { identity: bob, score: 0.5, weight: 0.2 },
    { identity: bob, score: 0.5, weight: 0.2 },
    { identity: ALICE, score: 0.65, weight: 0.8 },
  ]);
  assert.equal(r.identity?.id, 'alice');
  assert.ok(Math.abs(r.score - (0.9 * 0.7 + 0.9 * 0.6 + 0.8 * 0.65) / 2.6) < 1e-9);
  assert.equal(tallyVotes([{ identity: ALICE, score: 0.5, weight: 0.1 }, { identity: null, score: 0.2, weight: 1 }]).type, 'unknown');
});

test('cooldown: a second appearance of the same person on the same camera within it is silent', () => {
  const d = new CameraDecisions({ ...OPTIONS, cooldownMs: 10_000 });
  const first = play(d, 8, 0, 100, person(0), ALICE, 0.8);
  d.observe([], 2000);
  const second = play(d, 8, 3000, 400, person(0), ALICE, 0.8);
  const end = d.observe([], 6000);
  assert.deepEqual(first.events.map((e) => e.type), ['recognized']);
  assert.deepEqual([...second.events, ...end.events], [], 'no recognized and no track_end inside the cooldown');
  const third = play(d, 8, 14_000, 100, person(0), ALICE, 0.8);
  assert.deepEqual(third.events.map((e) => e.type), ['recognized']);
});
