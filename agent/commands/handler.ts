/**
 * Commands from `arcedge/<device>/cmd/<name>`. Order of checks, cheapest first: payload size
 * (before any decoding), command name, JSON, schema (every problem with its path), then the
 * command itself. Every request gets exactly one reply: a result, or a typed error from the SDK's
 * error table. Nothing here throws: a bad command never stops the agent.
 */
import {
  ArcEdgeError,
  COMMAND_NAMES,
  EventsQuerySchema,
  COMMAND_SCHEMAS,
  ID_PATTERN,
  isArcEdgeError,
  type CommandName,
  type CommandReply,
  type TransferCommand,
  type EventsPage,
  type EventsQuery,
} from '../../sdk/index.ts';
import { formatIssues } from '../config/load.ts';

export interface CommandContext {
  readonly maxPayloadBytes: number;
  enroll(params: { personId: string; name: string; image?: Uint8Array; camera?: string; source?: string; single?: boolean }): Promise<unknown>;
  /** The right to erasure: templates and crops, event snapshots, the identity on past events. */
  forget(personId: string, actor?: string): Promise<{ personId: string; templates: number; snapshots: number; events: number }>;
  list(): Promise<unknown>;
  snapshot(camera: string, annotate: boolean): Promise<unknown>;
  status(): unknown;
  reload(): Promise<unknown>;
  /** Chunked file transfer (agent/deploy/transfer-store.ts). */
  transfer(command: TransferCommand): Promise<unknown>;
  apply(transfer: string): Promise<unknown>;
  rollback(): Promise<unknown>;
  events(query: EventsQuery): EventsPage;
}

/** A person id from a display name: "Ada Lovelace" -> "ada-lovelace". */
export function personIdFromName(name: string): string {
  const slug = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 64);
  return slug.length > 0 ? slug : `person-${Date.now()}`;
}

/** Decodes base64 strictly: Node's decoder silently skips garbage, which would hide a bad upload. */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/^data:[\w/+.-]+;base64,/, '').replace(/\s+/g, '');
  if (clean.length === 0 || clean.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw new ArcEdgeError('COMMAND_INVALID', 'image is not valid base64', { fix: 'send the JPEG or PNG bytes base64-encoded (RFC 4648), without line breaks', details: { path: 'image' } });
  }
  return Buffer.from(clean, 'base64');
}

async function run(ctx: CommandContext, name: CommandName, request: Record<string, unknown>): Promise<unknown> {
  switch (name) {
    case 'enroll': {
      const r = request as { name: string; personId?: string; image?: string; camera?: string };
      const personId = r.personId ?? personIdFromName(r.name);
      return ctx.enroll({ personId, name: r.name, ...(r.image ? { image: decodeBase64(r.image) } : {}), ...(r.camera ? { camera: r.camera } : {}) });
    }
    case 'forget':
      return { removed: request.personId, ...(await ctx.forget(request.personId as string, 'mqtt')) };
    case 'list':
      return ctx.list();
    case 'snapshot':
      return ctx.snapshot(request.camera as string, request.annotate === true);
    case 'status':
      return ctx.status();
    case 'reload':
      return ctx.reload();
    case 'transfer':
      return ctx.transfer(request as TransferCommand);
    case 'apply':
      return ctx.apply(request.transfer as string);
    case 'rollback':
      return ctx.rollback();
    case 'events': {
      const { id: _id, ...query } = request;
      return ctx.events(EventsQuerySchema.parse(query));
    }
  }
}

/** Handles one command message; returns the reply and the request id to answer on (null: unreadable). */
export async function handleCommand(ctx: CommandContext, name: string, payload: Uint8Array): Promise<{ requestId: string | null; reply: CommandReply }> {
  let requestId: string | null = null;
  const reply = (body: { ok: true; result: unknown } | { ok: false; error: ArcEdgeError }): { requestId: string | null; reply: CommandReply } => ({
    requestId,
    reply: {
      id: requestId,
      command: name,
      ok: body.ok,
      ...(body.ok ? { result: body.result } : { error: body.error.toJSON() }),
      ts: new Date().toISOString(),
    },
  });
  try {
    if (payload.byteLength > ctx.maxPayloadBytes) {
      throw new ArcEdgeError('PAYLOAD_TOO_LARGE', `the ${name} payload is ${payload.byteLength} bytes; the limit is ${ctx.maxPayloadBytes}`, {
        details: { bytes: payload.byteLength, limit: ctx.maxPayloadBytes },
      });
    }
    let request: unknown;
    try {
      request = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    } catch (error) {
      throw new ArcEdgeError('COMMAND_INVALID', `the ${name} payload is not JSON: ${(error as Error).message}`, { details: { path: '(root)' } });
    }
    if (request !== null && typeof request === 'object' && !Array.isArray(request)) {
      const id = (request as { id?: unknown }).id;
      if (typeof id === 'string' && ID_PATTERN.test(id)) requestId = id;
    }
    if (!(COMMAND_NAMES as readonly string[]).includes(name)) {
      throw new ArcEdgeError('COMMAND_UNKNOWN', `no command "${name.slice(0, 64)}"`, { details: { commands: [...COMMAND_NAMES] } });
    }
    const parsed = COMMAND_SCHEMAS[name as CommandName].safeParse(request);
    if (!parsed.success) {
      const problems = formatIssues(parsed.error.issues);
      throw new ArcEdgeError('COMMAND_INVALID', `the ${name} payload is invalid: ${problems.join('; ').slice(0, 500)}`, { details: { problems: problems.slice(0, 20) } });
    }
    return reply({ ok: true, result: await run(ctx, name as CommandName, parsed.data as Record<string, unknown>) });
  } catch (error) {
    const e = isArcEdgeError(error) ? error : new ArcEdgeError('INVALID_ARGUMENT', String((error as Error)?.message ?? error));
    return reply({ ok: false, error: e });
  }
}
