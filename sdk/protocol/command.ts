/**
 * Commands on `arcedge/<device>/cmd/<name>` and replies on `arcedge/<device>/reply/<id>`.
 * Every request carries `id` (the request id, echoed as the reply topic's last level). Every
 * request gets exactly one reply: a result, or a typed error { code, message, fix, details }
 * whose code comes from the SDK's error table (docs/errors.md).
 */
import { z } from 'zod';
import { ID_PATTERN } from './topics.ts';
import { EventsQueryShape } from './web.ts';

/** Largest command payload the agent decodes; larger ones are refused unread (PAYLOAD_TOO_LARGE). */
export const MAX_COMMAND_BYTES = 8 * 1024 * 1024;

const RequestId = z.string().regex(ID_PATTERN).describe('request id: the reply goes to arcedge/<device>/reply/<id>; letters, digits, . _ -, at most 64');

export const EnrollCommandSchema = z
  .object({
    id: RequestId,
    name: z.string().min(1).max(200).describe('display name of the person'),
    personId: z.string().regex(ID_PATTERN).optional().describe('gallery id; default: derived from the name. Enrolling an existing id adds faces to it'),
    image: z.string().min(1).max(MAX_COMMAND_BYTES).optional().describe('base64 JPEG or PNG with exactly one clear face'),
    camera: z.string().regex(ID_PATTERN).optional().describe('instead of image: use the current frame of this camera (the largest face in it)'),
  })
  .strict()
  .refine((c) => (c.image === undefined) !== (c.camera === undefined), { message: 'give exactly one of image or camera', path: ['image'] });

export const ForgetCommandSchema = z.object({ id: RequestId, personId: z.string().regex(ID_PATTERN).describe('gallery id to remove') }).strict();
export const ListCommandSchema = z.object({ id: RequestId }).strict();
export const SnapshotCommandSchema = z
  .object({ id: RequestId, camera: z.string().regex(ID_PATTERN).describe('camera id'), annotate: z.boolean().optional().describe('draw the live tracks') })
  .strict();
export const StatusCommandSchema = z.object({ id: RequestId }).strict();
export const ReloadCommandSchema = z.object({ id: RequestId }).strict();
/**
 * A transfer id names a folder under <dataDir>/incoming/, so on top of ID_PATTERN it must start
 * with a letter or digit: "." and ".." match ID_PATTERN and would name incoming/ or dataDir itself.
 */
export const TRANSFER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const ApplyCommandSchema = z
  .object({
    id: RequestId,
    transfer: z.string().regex(TRANSFER_ID_PATTERN, 'transfer must be 1-64 letters, digits, . _ or -, starting with a letter or digit').describe('transfer id of a completely received package or gallery (<dataDir>/incoming/<transfer>/)'),
    allowOlder: z.literal(false).optional().describe('always false: a version not above the serving one is refused; going back is the rollback command'),
  })
  .strict();
export const RollbackCommandSchema = z.object({ id: RequestId }).strict();
/** The event history (events.store): same filters and cursor as GET /api/events; the result is { events, next }. */
export const EventsCommandSchema = z.object({ id: RequestId, ...EventsQueryShape }).strict();

/**
 * `transfer`: a file (a model package as .tar, or a gallery) sent in chunks, each acknowledged by
 * its reply. begin declares it (idempotent: the reply says which chunks the device already has,
 * so a host resumes after any disconnect), chunk sends one, status asks again, commit checks the
 * whole sha256 and stages it under <dataDir>/incoming/<transfer>/, abort drops it. docs/deploy.md.
 */
const TransferId = z
  .string()
  .regex(TRANSFER_ID_PATTERN, 'transfer must be 1-64 letters, digits, . _ or -, starting with a letter or digit')
  .describe('transfer id (letters, digits, . _ -; starts with a letter or digit; at most 64): the staging folder <dataDir>/incoming/<transfer>/');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');
/** What a chunked transfer can carry: a model package or a gallery. */
export const TRANSFER_KINDS = ['model-package', 'gallery'] as const;
/** Largest chunk a host may declare: its base64 (4/3) plus the JSON around it stays under MAX_COMMAND_BYTES. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
/** The zod schema of cmd/transfer: begin, chunk, status, commit or abort of a chunked file transfer. */
export const TransferCommandSchema = z.discriminatedUnion('op', [
  z
    .object({
      id: RequestId,
      op: z.literal('begin').describe('declare the transfer (or ask how far an earlier one got)'),
      transfer: TransferId,
      kind: z.enum(TRANSFER_KINDS).describe('model-package: a .tar of a package directory; gallery: a gallery .db file'),
      name: z.string().min(1).max(200).describe('what it is, for logs and transfer.json (package name or gallery file name)'),
      bytes: z.number().int().positive().describe('size of the whole file'),
      sha256: Sha256.describe('sha256 of the whole file, checked at commit'),
      chunkBytes: z.number().int().min(1024).max(MAX_CHUNK_BYTES).describe('size of every chunk but the last'),
    })
    .strict(),
  z
    .object({
      id: RequestId,
      op: z.literal('chunk').describe('one chunk; its reply is the acknowledgement'),
      transfer: TransferId,
      index: z.number().int().nonnegative().describe('chunk number, from 0'),
      data: z.string().min(1).describe('the chunk bytes, base64 (RFC 4648)'),
      sha256: Sha256.describe('sha256 of the chunk bytes'),
    })
    .strict(),
  z.object({ id: RequestId, op: z.literal('status').describe('which chunks the device holds'), transfer: TransferId }).strict(),
  z.object({ id: RequestId, op: z.literal('commit').describe('every chunk sent: check the sha256 and stage the file'), transfer: TransferId }).strict(),
  z.object({ id: RequestId, op: z.literal('abort').describe('drop the transfer and its chunks'), transfer: TransferId }).strict(),
]);
export type TransferCommand = z.infer<typeof TransferCommandSchema>;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

/** The zod schema of each command's payload, by command name. */
export const COMMAND_SCHEMAS = {
  enroll: EnrollCommandSchema,
  forget: ForgetCommandSchema,
  list: ListCommandSchema,
  snapshot: SnapshotCommandSchema,
  status: StatusCommandSchema,
  reload: ReloadCommandSchema,
  transfer: TransferCommandSchema,
  apply: ApplyCommandSchema,
  rollback: RollbackCommandSchema,
  events: EventsCommandSchema,
} as const;

export type EnrollCommand = z.infer<typeof EnrollCommandSchema>;
export type ForgetCommand = z.infer<typeof ForgetCommandSchema>;
export type SnapshotCommand = z.infer<typeof SnapshotCommandSchema>;

/** The zod schema of the error in a failed command reply: code, message, fix, details. */
export const ReplyErrorSchema = z
  .object({
    code: z.string().min(1).describe('error code from docs/errors.md (e.g. COMMAND_INVALID, PAYLOAD_TOO_LARGE, IMAGE_CORRUPT)'),
    message: z.string().describe('what went wrong, naming the value'),
    fix: z.string().describe('what to do about it'),
    details: z.record(z.string(), z.unknown()).optional().describe('machine-readable specifics (e.g. issues with paths)'),
  })
  .strict();

/** The zod schema of a command reply on arcedge/<device>/reply/<request id>. */
export const CommandReplySchema = z
  .object({
    id: z.string().nullable().describe('the request id; null when the payload could not be read'),
    command: z.string().describe('the command name from the topic'),
    ok: z.boolean().describe('true: result holds the answer; false: error says why'),
    result: z.unknown().optional().describe('command-specific result (ok only)'),
    error: ReplyErrorSchema.optional().describe('ok false only'),
    ts: z.iso.datetime({ offset: true }).describe('when the agent answered'),
  })
  .strict();

export type CommandReply = z.infer<typeof CommandReplySchema>;
