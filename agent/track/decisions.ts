/**
 * One camera's tracks and the events they produce. Per frame: observe() tracks the detections
 * and says which faces need an embedding (never every face on every frame); addEmbedding()
 * checks the appearance for a cut, records a quality-weighted vote, and decides the identity once
 * enough votes are in. Events: one `recognized`/`unknown` per decided track, one `track_end` when
 * a decided track ends, with a cooldown per identity and camera.
 */
import { randomUUID } from 'node:crypto';
import type { Box, Detection, RecognitionEvent } from '../../sdk/index.ts';
import { IouTracker, type Track } from './tracker.ts';
import { tallyVotes, type Vote } from './voting.ts';

export interface DecisionOptions {
  readonly device: string;
  readonly camera: string;
  readonly iouThreshold: number;
  readonly maxMissedMs: number;
  readonly cutSimilarity: number;
  readonly minVotes: number;
  readonly maxVotes: number;
  readonly recheckMs: number;
  readonly minFacePx: number;
  readonly cooldownMs: number;
}

/** Last recognized event time per `${camera}/${identity}`; shared by one worker's cameras. */
export type Cooldowns = Map<string, number>;

/** Before embedding: detector score, discounted for faces smaller than an ArcFace crop. */
export const preQuality = (d: Detection): number => d.score * Math.min(1, (d.box.x2 - d.box.x1) / 112);

const cosineToMean = (sum: Float32Array, v: Float32Array): number => {
  let dot = 0;
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    dot += sum[i]! * v[i]!;
    norm += sum[i]! * sum[i]!;
  }
  return norm > 0 ? dot / Math.sqrt(norm) : 1;
};

export class CameraDecisions {
  private readonly tracker: IouTracker;
  private trackCounter = 0;

  constructor(
    private readonly options: DecisionOptions,
    private readonly cooldowns: Cooldowns = new Map(),
  ) {
    this.tracker = new IouTracker(options, () => this.trackCounter++);
  }

  get liveTracks(): readonly Track[] {
    return this.tracker.tracks;
  }

  /**
   * Boxes of the faces seen in the last processed frame: the detector's input planning
   * (sdk/detect/scale-plan.ts) sizes the next frame's first pass for the smallest of them.
   * A track coasting over a missed frame is left out: its box may be stale.
   */
  get expectedFaces(): Box[] {
    return this.tracker.tracks.filter((t) => t.missedFrames === 0).map((t) => t.box);
  }

  /** Tracks this frame's detections; returns the faces to embed and the events of ended tracks. */
  observe(detections: readonly Detection[], nowMs: number): { toEmbed: { track: Track; detection: Detection }[]; events: RecognitionEvent[] } {
    const { matched, ended } = this.tracker.update(detections, nowMs);
    const events = ended.flatMap((track) => this.finish(track, nowMs));
    const toEmbed = matched.filter(({ track, detection }) => this.needsEmbedding(track, detection, nowMs));
    return { toEmbed, events };
  }

  private needsEmbedding(track: Track, detection: Detection, nowMs: number): boolean {
    if (detection.box.x2 - detection.box.x1 < this.options.minFacePx) return false;
    if (!track.decision) return true; // still voting
    if (track.recheck) return true; // lost for a frame or jumped: maybe the next person in the same spot
    if (nowMs - track.lastEmbedMs >= this.options.recheckMs) return true; // periodic re-check for a missed cut
    return track.votes.length < this.options.maxVotes && preQuality(detection) > track.bestQuality * 1.1;
  }

  /**
   * Records one embedded face of `track`: cut check, vote, maybe a decision. `match` is the
   * gallery's answer for the embedding; `snapshot` is called with a decision event (the caller
   * keeps the face's JPEG bytes beside it: base64 only at the MQTT edge).
   */
  addEmbedding(
    track: Track,
    detection: Detection,
    embedding: Float32Array,
    vote: Vote,
    nowMs: number,
    snapshot?: (event: RecognitionEvent) => void,
  ): RecognitionEvent[] {
    const events: RecognitionEvent[] = [];
    let current = track;
    if (track.embeddingSum && cosineToMean(track.embeddingSum, embedding) < this.options.cutSimilarity) {
      // Same place, different face: the video cut. End the old track, start a new one here.
      events.push(...this.finish(track, nowMs));
      current = this.tracker.split(track, nowMs);
      current.box = detection.box;
    }
    current.lastEmbedMs = nowMs;
    current.recheck = false;
    current.bestQuality = Math.max(current.bestQuality, preQuality(detection));
    if (!current.embeddingSum) current.embeddingSum = new Float32Array(embedding.length);
    for (let i = 0; i < embedding.length; i++) current.embeddingSum[i]! += embedding[i]!;
    if (current.decision) return events; // decided: embeddings now only guard against cuts
    current.votes.push(vote);
    if (current.votes.length >= this.options.minVotes) events.push(...this.decide(current, nowMs, snapshot));
    return events;
  }

  /** Ends every track (camera stopped, shutdown). */
  endAll(nowMs: number): RecognitionEvent[] {
    return this.tracker.endAll().flatMap((track) => this.finish(track, nowMs));
  }

  private decide(track: Track, nowMs: number, snapshot?: (event: RecognitionEvent) => void): RecognitionEvent[] {
    const result = tallyVotes(track.votes);
    let suppressed = false;
    if (result.identity) {
      const key = `${this.options.camera}/${result.identity.id}`;
      const last = this.cooldowns.get(key);
      suppressed = last !== undefined && nowMs - last < this.options.cooldownMs;
      if (!suppressed) this.cooldowns.set(key, nowMs);
    }
    track.decision = { ...result, suppressed };
    if (suppressed) return [];
    const event = this.event(result.type, track, result.identity, result.score, nowMs, { votes: track.votes.length });
    snapshot?.(event);
    return [event];
  }

  private finish(track: Track, nowMs: number): RecognitionEvent[] {
    const events: RecognitionEvent[] = [];
    // A short track that never reached minVotes is still decided if it voted at least twice
    // (a 1-frame flicker is not a person).
    if (!track.decision && track.votes.length >= Math.min(2, this.options.minVotes)) events.push(...this.decide(track, nowMs));
    const decision = track.decision;
    if (decision && !decision.suppressed) {
      events.push(this.event('track_end', track, decision.identity, decision.score, nowMs, { votes: track.votes.length, durationMs: track.lastSeenMs - track.firstSeenMs }));
    }
    return events;
  }

  private event(
    type: RecognitionEvent['type'],
    track: Track,
    identity: { id: string; name: string } | null,
    score: number,
    nowMs: number,
    extra: Partial<RecognitionEvent>,
  ): RecognitionEvent {
    const box: Box = track.box;
    return {
      id: randomUUID(),
      type,
      device: this.options.device,
      camera: this.options.camera,
      track: track.id,
      identity,
      score: Math.round(score * 10000) / 10000,
      ts: new Date(nowMs).toISOString(),
      box: { x1: Math.round(box.x1), y1: Math.round(box.y1), x2: Math.round(box.x2), y2: Math.round(box.y2) },
      ...extra,
    };
  }
}
