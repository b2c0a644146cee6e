/**
 * Tracker and per-track decisions on synthetic detections and embeddings (no models): one event
 * per decision and one per decided track end, embeddings only when a track needs them, a cut in
 * the video splits the track, votes are quality-weighted, and the cooldown holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Detection, RecognitionEvent } from '../../sdk/index.ts';
import { CameraDecisions, type DecisionOptions } from '../../agent/track/decisions.ts';
import { tallyVotes, voteWeight } from '../../agent/track/voting.ts';
import { planDetectorScale, trustFirstPass } from '../../sdk/detect/scale-plan.ts';

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

test('vote weights: the embedding norm decides, whatever the recognizer\'s norm scale; a failed quality gate quarters a vote', () => {
  const bob = { id: 'bob', name: 'Bob' };
  // Two confident frames of Alice (high norm) against three of Bob with half the norm.
  for (const scale of [1, 0.05, 40]) {
    const votes = [
      { identity: ALICE, score: 0.6, weight: voteWeight(24 * scale, true) },
      { identity: ALICE, score: 0.6, weight: voteWeight(24 * scale, true) },
      ...[0, 1, 2].map(() => ({ identity: bob, score: 0.5, weight: voteWeight(12 * scale, true) })),
    ];
    assert.equal(tallyVotes(votes).identity?.id, 'alice', `norm scale ${scale}`);
  }
  assert.equal(voteWeight(20, false), voteWeight(20, true) / 4);
  assert.ok(voteWeight(Number.NaN, true) > 0, 'a vote always counts a little');
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

const BOB = { id: 'bob', name: 'Bob' };
/** The periodic re-check out of the way: what is tested is the re-embed on a lost detection or a jump. */
const NO_TIMER = { ...OPTIONS, recheckMs: 60_000 };

/** Frames of one face: an empty frame is `null`; `size` and `x` set the box. */
function playSequence(d: CameraDecisions, frames: readonly ({ x: number; size: number; who: typeof ALICE; k: number } | null)[], t0 = 0) {
  const events: RecognitionEvent[] = [];
  let embedded = 0;
  frames.forEach((f, i) => {
    const t = t0 + i * 100;
    const obs = d.observe(f ? [detection(f.x, 0.9, f.size)] : [], t);
    events.push(...obs.events);
    for (const { track, detection: det } of obs.toEmbed) {
      embedded++;
      events.push(...d.addEmbedding(track, det, person(f!.k), { identity: f!.who, score: 0.8, weight: 1 }, t));
    }
  });
  return { events, embedded };
}

test('the next person at the same spot after a gap shorter than maxMissedMs gets their own decision', () => {
  const d = new CameraDecisions(NO_TIMER);
  const alice = Array.from({ length: 15 }, () => ({ x: 100, size: 120, who: ALICE, k: 0 }));
  const bob = Array.from({ length: 15 }, () => ({ x: 100, size: 120, who: BOB, k: 1 }));
  // 300 ms of empty frames: under maxMissedMs (500), so the IoU tracker continues the track.
  const { events } = playSequence(d, [...alice, null, null, null, ...bob]);
  const decisions = events.filter((e) => e.type !== 'track_end').map((e) => e.identity?.id);
  assert.deepEqual(decisions, ['alice', 'bob'], 'one decision per person');
  assert.equal(events.filter((e) => e.type === 'track_end').length, 1, "alice's track ended when bob's face replaced hers");
});

test('a box that jumps (no empty frame between two people) is checked again; a steady face is not', () => {
  const d = new CameraDecisions(NO_TIMER);
  const alice = Array.from({ length: 15 }, () => ({ x: 100, size: 120, who: ALICE, k: 0 }));
  // Bob overlaps Alice's box enough to continue it (IoU ~0.5) but is larger and shifted.
  const bob = Array.from({ length: 15 }, () => ({ x: 130, size: 170, who: BOB, k: 1 }));
  const both = playSequence(d, [...alice, ...bob]);
  assert.deepEqual(both.events.filter((e) => e.type !== 'track_end').map((e) => e.identity?.id), ['alice', 'bob']);
  // The cost on a steady face: nothing beyond the votes (the recheck timer is 2 s here).
  const steady = playSequence(new CameraDecisions(NO_TIMER), Array.from({ length: 15 }, () => ({ x: 100, size: 120, who: ALICE, k: 0 })));
  assert.equal(steady.embedded, 3, 'a steady decided face is not re-embedded');
});

test('the faces seen in the last frame plan the next frame\'s detector input (one small pass while they stay)', () => {
  const d = new CameraDecisions(OPTIONS);
  const frame = { width: 1920, height: 1080 };
  const full = { width: 640, height: 640 };
  // Nothing tracked yet: the photo plan (a small pass that a full one may replace).
  assert.deepEqual(d.expectedFaces, []);
  assert.deepEqual(planDetectorScale(frame, full, { expectedFaces: d.expectedFaces }), planDetectorScale(frame, full));
  const near = detection(100, 0.9, 300);
  const far = detection(900, 0.9, 260);
  d.observe([near, far], 0);
  assert.deepEqual(d.expectedFaces, [near.box, far.box]);
  const plan = planDetectorScale(frame, full, { expectedFaces: d.expectedFaces });
  assert.ok(plan.firstSidePx < 640, `planned ${plan.firstSidePx}`);
  // The same faces found again at that input stand: no second, full-size pass.
  assert.equal(trustFirstPass([near, far], plan.firstSidePx / 1920), true);
  // A face missed for a frame no longer plans the input (its box may be stale); the seen one does.
  d.observe([detection(102, 0.9, 300)], 100);
  assert.deepEqual(d.expectedFaces, [detection(102, 0.9, 300).box]);
  assert.ok(planDetectorScale(frame, full, { expectedFaces: d.expectedFaces }).firstSidePx <= plan.firstSidePx);
});
