/**
 * A greedy IoU tracker per camera: each detection continues the live track it overlaps most
 * (at least iouThreshold), highest overlaps first; the rest start new tracks; a track unseen for
 * maxMissedMs ends. Appearance is checked separately (cut detection in decisions.ts): boxes alone
 * cannot tell that the video cut to another person standing in the same place.
 */
import { intersectionOverUnion, type Box, type Detection } from '../../sdk/index.ts';
import type { Vote } from './voting.ts';

export interface Track {
  readonly id: number;
  box: Box;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  lastEmbedMs: number;
  /** Best pre-embedding quality seen (detector score x size factor). */
  bestQuality: number;
  /** Sum of unit embeddings (its direction is the track's mean appearance). */
  embeddingSum: Float32Array | undefined;
  readonly votes: Vote[];
  decision: Decision | undefined;
  /** Processed frames in a row without a matching detection (0 while seen). */
  missedFrames: number;
  /**
   * The track was continued across a lost detection or a box jump: the face now in it may be
   * someone else (the next person at the same spot), so it is embedded and checked against the
   * track's appearance on this frame, decided or not (decisions.ts).
   */
  recheck: boolean;
}

export interface Decision {
  readonly type: 'recognized' | 'unknown';
  readonly identity: { id: string; name: string } | null;
  readonly score: number;
  /** A cooldown swallowed the event: no track_end either. */
  readonly suppressed: boolean;
}

export interface TrackerOptions {
  readonly iouThreshold: number;
  readonly maxMissedMs: number;
}

/** Two detections overlapping this much in one frame are one face. */
const DUPLICATE_IOU = 0.5;
/** A box whose centre moved more than this fraction of its width, or whose width changed by more than JUMP_SCALE, jumped. */
const JUMP_SHIFT = 0.35;
const JUMP_SCALE = 1.4;

/** True when `next` is not a plausible move of `previous` between two frames of one face. */
export function boxJumped(previous: Box, next: Box): boolean {
  const w0 = previous.x2 - previous.x1;
  const w1 = next.x2 - next.x1;
  const dx = (next.x1 + next.x2 - previous.x1 - previous.x2) / 2;
  const dy = (next.y1 + next.y2 - previous.y1 - previous.y2) / 2;
  const scale = w0 > 0 && w1 > 0 ? Math.max(w0 / w1, w1 / w0) : Infinity;
  return Math.hypot(dx, dy) > JUMP_SHIFT * Math.max(1, w0) || scale > JUMP_SCALE;
}

export class IouTracker {
  private readonly live: Track[] = [];

  constructor(
    private readonly options: TrackerOptions,
    private readonly nextId: () => number,
  ) {}

  get tracks(): readonly Track[] {
    return this.live;
  }

  /** Matches detections to tracks; returns each detection's track and the tracks that ended. */
  update(all: readonly Detection[], nowMs: number): { matched: { track: Track; detection: Detection }[]; ended: Track[] } {
    // A detector can return one face twice (overlapping boxes NMS let through): keep the
    // higher-scoring one, or the duplicate would become a second track of the same person.
    const detections = [...all].sort((a, b) => b.score - a.score).filter((d, i, sorted) => sorted.slice(0, i).every((k) => intersectionOverUnion(k.box, d.box) < DUPLICATE_IOU));
    const pairs: { t: number; d: number; iou: number }[] = [];
    for (let t = 0; t < this.live.length; t++) {
      for (let d = 0; d < detections.length; d++) {
        const iou = intersectionOverUnion(this.live[t]!.box, detections[d]!.box);
        if (iou >= this.options.iouThreshold) pairs.push({ t, d, iou });
      }
    }
    pairs.sort((a, b) => b.iou - a.iou);
    const usedTracks = new Set<number>();
    const usedDetections = new Set<number>();
    const matched: { track: Track; detection: Detection }[] = [];
    for (const { t, d } of pairs) {
      if (usedTracks.has(t) || usedDetections.has(d)) continue;
      usedTracks.add(t);
      usedDetections.add(d);
      const track = this.live[t]!;
      if (track.missedFrames > 0 || boxJumped(track.box, detections[d]!.box)) track.recheck = true;
      track.missedFrames = 0;
      track.box = detections[d]!.box;
      track.lastSeenMs = nowMs;
      matched.push({ track, detection: detections[d]! });
    }
    detections.forEach((detection, d) => {
      if (!usedDetections.has(d)) matched.push({ track: this.start(detection.box, nowMs), detection });
    });
    for (const track of this.live) if (track.lastSeenMs !== nowMs) track.missedFrames++;
    const ended = this.live.filter((track) => nowMs - track.lastSeenMs > this.options.maxMissedMs);
    for (const track of ended) this.remove(track);
    return { matched, ended };
  }

  /** Ends `track` now and starts a fresh one in its place (an appearance cut). */
  split(track: Track, nowMs: number): Track {
    this.remove(track);
    return this.start(track.box, nowMs);
  }

  /** Ends every track (shutdown, camera gone). */
  endAll(): Track[] {
    return this.live.splice(0, this.live.length);
  }

  private start(box: Box, nowMs: number): Track {
    const track: Track = { id: this.nextId(), box, firstSeenMs: nowMs, lastSeenMs: nowMs, lastEmbedMs: 0, bestQuality: 0, embeddingSum: undefined, votes: [], decision: undefined, missedFrames: 0, recheck: false };
    this.live.push(track);
    return track;
  }

  private remove(track: Track): void {
    const index = this.live.indexOf(track);
    if (index >= 0) this.live.splice(index, 1);
  }
}
