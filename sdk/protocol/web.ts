/**
 * The device web API's bodies and answers (docs/web-api.md): the agent validates every request
 * body and query with these, and the pages (and any other client) can validate the answers.
 * Errors use the same { code, message, fix } shape as MQTT command replies.
 */
import { z } from 'zod';
import { ID_PATTERN } from './topics.ts';

/** Largest JSON body the web API reads (an uploaded photo, base64). */
export const MAX_WEB_BODY_BYTES = 12 * 1024 * 1024;

const PersonId = z.string().regex(ID_PATTERN).describe('gallery person id: letters, digits, . _ -, at most 64');
const PersonName = z.string().trim().min(1).max(200).describe('display name');
const Image = z.string().min(16).max(MAX_WEB_BODY_BYTES).describe('base64 JPEG or PNG (a data: URL prefix is accepted) with one clear face; the largest face is used');

export const WebErrorSchema = z
  .object({
    error: z
      .object({
        code: z.string().describe('error code from docs/errors.md (UNAUTHORIZED, CSRF_INVALID, RATE_LIMITED, NOT_FOUND, COMMAND_INVALID, ...)'),
        message: z.string().describe('what went wrong'),
        fix: z.string().describe('what to do about it'),
        details: z.record(z.string(), z.unknown()).optional().describe('machine-readable specifics'),
      })
      .strict(),
  })
  .strict();

export const LoginBodySchema = z.object({ password: z.string().min(1).max(1024).describe('the web password') }).strict();
export const SessionResponseSchema = z.object({ csrfToken: z.string().nullable().describe('send as X-CSRF-Token on every POST/DELETE of this session (null for bearer clients, which need none)') }).strict();

export const EnrollBodySchema = z.object({ name: PersonName, personId: PersonId.optional().describe('existing person to add the face to; default: derived from the name') }).strict();
export const CreatePersonBodySchema = z.object({ name: PersonName, image: Image, personId: PersonId.optional().describe('default: derived from the name (an existing person with that id gets the photo)') }).strict();
export const PhotoBodySchema = z.object({ image: Image }).strict();
export const RenameBodySchema = z.object({ name: PersonName }).strict();
export const MergeBodySchema = z.object({ into: PersonId.describe('the person who keeps every template; this one is removed') }).strict();

/** POST /api/faces: every face of an uploaded photo, frozen until enrolled (or expired). */
export const FacesBodySchema = z.object({ image: Image.describe('base64 JPEG or PNG (a data: URL prefix is accepted); every face is returned, the user picks one') }).strict();
/** POST /api/faces/:token/enroll: saves exactly that frozen face. */
export const EnrollFaceBodySchema = z
  .object({
    name: PersonName,
    personId: PersonId.optional().describe('existing person to add the face to; default: derived from the name'),
    confirm: z.boolean().default(false).describe('enroll even though the face looks like someone else or not like this person (the FACE_CONFLICT answer named both)'),
  })
  .strict();

const EventIds = z.array(z.string().min(1).max(100)).min(1).max(500).describe('the event ids of one face-library group (GET /api/library)');
/** POST /api/library/name: enroll a group's best faces under one name and name all its events. */
export const LibraryNameBodySchema = z
  .object({
    eventIds: EventIds,
    name: PersonName,
    personId: PersonId.optional().describe('existing person to add the faces to; default: derived from the name'),
    confirm: z.boolean().default(false).describe('enroll even though the group looks like someone already enrolled (FACE_CONFLICT)'),
  })
  .strict();
/** POST /api/library/ignore: "not a face": hide the group and faces like it from the library. */
export const LibraryIgnoreBodySchema = z.object({ eventIds: EventIds }).strict();

export const EVENT_QUERY_TYPES = ['recognized', 'unknown', 'track_end'] as const;

/** Query of GET /api/events and of the MQTT `events` command (strings in the URL, coerced). */
export const EventsQueryShape = {
  person: z.string().regex(ID_PATTERN).optional().describe('only this person id'),
  camera: z.string().regex(ID_PATTERN).optional().describe('only this camera id'),
  from: z.iso.datetime({ offset: true }).optional().describe('only events at or after this time (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('only events before this time (ISO 8601)'),
  type: z.enum(EVENT_QUERY_TYPES).optional().describe('only this event type; default: recognized and unknown (not track_end)'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('events per page'),
  before: z.string().regex(/^\d{1,15}$/).optional().describe('cursor: the `next` of the previous page'),
};
/** The zod schema of an event history query (person, camera, type, time range, page size and cursor). */
export const EventsQuerySchema = z.object(EventsQueryShape).strict();
export type EventsQuery = z.output<typeof EventsQuerySchema>;

/** The zod schema of one event as the event history keeps it. */
export const StoredEventSchema = z
  .object({
    id: z.string().describe('event id (the MQTT event id)'),
    type: z.enum(EVENT_QUERY_TYPES).describe('event type'),
    ts: z.string().describe('when, ISO 8601'),
    camera: z.string().describe('camera id'),
    personId: z.string().nullable().describe('recognized person id, null for unknown (and after the person was forgotten)'),
    name: z.string().nullable().describe('display name at the time of the event'),
    score: z.number().describe('similarity score of the decision'),
    trackId: z.number().int().describe('track id on that camera'),
    snapshotUrl: z.string().nullable().describe('/api/events/<id>/snapshot.jpg, or null when no snapshot is kept'),
    frameUrl: z.string().optional().describe('/api/events/<id>/frame.jpg: the full frame with the face boxed (long side <= 1280 px), when one was kept'),
  })
  .strict();
export type StoredEvent = z.infer<typeof StoredEventSchema>;

/** The zod schema of one page of the event history, with the cursor to the next. */
export const EventsPageSchema = z
  .object({
    events: z.array(StoredEventSchema).describe('newest first'),
    next: z.string().nullable().describe('cursor for the next (older) page: pass as before=; null on the last page'),
    total: z.number().int().nullable().optional().describe('events matching the filters over all pages (GET /api/events only)'),
  })
  .strict();
export type EventsPage = z.infer<typeof EventsPageSchema>;

export const PersonSchema = z
  .object({
    id: z.string().describe('person id'),
    name: z.string().describe('display name'),
    templates: z
      .array(
        z
          .object({
            id: z.string().describe('template id'),
            createdAt: z.string().describe('ISO 8601'),
            quality: z.number().describe('0..1 from the quality gate'),
            source: z.string().describe('where the face came from (web:upload, camera:door, event:<id>, a file)'),
            cropUrl: z.string().describe('/api/people/<id>/templates/<tid>/crop.jpg'),
          })
          .strict(),
      )
      .describe('enrolled faces'),
  })
  .strict();
export const PeopleSchema = z.array(PersonSchema);

export const ForgetResultSchema = z
  .object({
    personId: z.string().describe('who was forgotten'),
    templates: z.number().int().describe('templates (with their crops) deleted'),
    snapshots: z.number().int().describe('event snapshot files deleted'),
    events: z.number().int().describe('events whose identity was removed'),
  })
  .strict();

export const CameraSummarySchema = z
  .object({
    id: z.string().describe('camera id'),
    state: z.string().describe('starting, online, offline, stopped (or unknown before the first report)'),
    fps: z.number().describe('frames processed per second over the last metrics window'),
    latencyMs: z.number().nullable().describe('median capture-to-result latency'),
  })
  .strict();

export const WEB_BODY_SCHEMAS = {
  login: LoginBodySchema,
  enroll: EnrollBodySchema,
  createPerson: CreatePersonBodySchema,
  photo: PhotoBodySchema,
  rename: RenameBodySchema,
  merge: MergeBodySchema,
  faces: FacesBodySchema,
  enrollFace: EnrollFaceBodySchema,
  libraryName: LibraryNameBodySchema,
  libraryIgnore: LibraryIgnoreBodySchema,
} as const;
