/**
 * The recognition event: published at QoS 1 on `arcedge/<device>/events/recognition`.
 * One `recognized` or `unknown` when a track's identity is decided, one `track_end` when a
 * decided track ends. `id` is unique per event: subscribers dedupe on it, because QoS 1 and
 * the agent's outbox deliver at least once.
 */
import { z } from 'zod';

export const BoxSchema = z
  .object({
    x1: z.number().describe('left edge, frame pixels'),
    y1: z.number().describe('top edge, frame pixels'),
    x2: z.number().describe('right edge, frame pixels'),
    y2: z.number().describe('bottom edge, frame pixels'),
  })
  .strict()
  .describe('face box in the pixels of the camera frame (the SDK Box: corners)');

export const IdentitySchema = z
  .object({
    id: z.string().min(1).describe('gallery person id'),
    name: z.string().describe('display name'),
  })
  .strict();

/** Kinds of recognition event: recognized, unknown, track_end. */
export const EVENT_TYPES = ['recognized', 'unknown', 'track_end'] as const;

/** The zod schema of a recognition event, published on arcedge/<device>/events/recognition. */
export const RecognitionEventSchema = z
  .object({
    id: z.string().min(1).describe('unique event id (UUID); dedupe on it: delivery is at least once'),
    type: z.enum(EVENT_TYPES).describe('recognized: identity decided as a gallery person; unknown: decided as nobody enrolled; track_end: a decided track left the view'),
    device: z.string().min(1).describe('device id from the agent config'),
    camera: z.string().min(1).describe('camera id from the agent config'),
    track: z.number().int().nonnegative().describe('track id, unique per camera while the agent runs'),
    identity: IdentitySchema.nullable().describe('the person, or null for unknown (and for track_end of an unknown track)'),
    score: z.number().describe('quality-weighted mean cosine similarity of the track\'s votes to the identity (best gallery match for unknown)'),
    ts: z.iso.datetime({ offset: true }).describe('when the decision (or the track end) happened, ISO 8601'),
    box: BoxSchema.describe('last box of the track, frame pixels'),
    votes: z.number().int().nonnegative().optional().describe('how many embedded frames voted'),
    durationMs: z.number().nonnegative().optional().describe('track_end: how long the track lasted'),
    snapshot: z.string().optional().describe('optional base64 JPEG of the face (cameras[].snapshots)'),
  })
  .strict();

export type RecognitionEvent = z.infer<typeof RecognitionEventSchema>;
export type EventIdentity = z.infer<typeof IdentitySchema>;
