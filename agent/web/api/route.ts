/**
 * What every API route file shares: the route record (the table in routes.ts is the one list
 * the app registers and the tests iterate), what a handler can reach, and body validation.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ArcEdgeError, type CameraStatus } from '../../../sdk/index.ts';
import type { CommandContext, } from '../../commands/handler.ts';
import type { GalleryContext } from '../../commands/context.ts';
import { formatIssues } from '../../config/load.ts';
import type { CameraSettings } from '../../config/schema.ts';
import type { LoggedProblem } from '../../log.ts';
import type { LocalStatus } from '../../status.ts';
import type { EventsStore } from '../../events-store/store.ts';
import type { WebAuth } from '../auth.ts';
import type { FrozenFaces } from '../frozen-faces.ts';
import type { LibraryCache } from '../face-library.ts';
import type { HostHealth } from '../host-health.ts';
import type { LiveFrames } from '../live.ts';
import type { WebEnv } from '../server.ts';

/** The running agent as the web API sees it. */
export interface WebDeps {
  readonly auth: WebAuth;
  readonly ctx: CommandContext & GalleryContext;
  readonly live: LiveFrames;
  readonly frozen: FrozenFaces;
  readonly library: LibraryCache;
  readonly store: EventsStore | undefined;
  readonly device: string;
  readonly agentVersion: string;
  readonly startedAt: number;
  /** The device status as agent/status.ts builds it for MQTT and the status command (one builder for all). */
  status(): LocalStatus;
  cameraIds(): string[];
  cameraStatus(id: string): CameraStatus | undefined;
  /** Frames processed so far and the last capture-to-result latency, per camera. */
  processed(id: string): number;
  latencyMs(id: string): number | undefined;
  models(): Record<string, string>;
  threshold(): number | undefined;
  modelStats(): Promise<{ models: Record<string, { runs: number; totalRunMs: number; target: string }>; precision: string }>;
  recentProblems(): readonly LoggedProblem[];
  /** The Device page's extra facts (api/device.ts). */
  health(): DeviceHealth;
  /** Masks and minFacePx per camera (api/settings.ts). */
  readonly cameraSettings: {
    get(camera: string): CameraSettings;
    save(camera: string, settings: CameraSettings): Promise<CameraSettings>;
  };
  /** A face-library group was marked "Not a face": the pipeline re-reads the list. */
  ignoredChanged(): Promise<void>;
}

export interface DeviceHealth {
  readonly host: HostHealth;
  readonly mqtt: { readonly broker: string | null; readonly connected: boolean };
  /** The serving recognizer: package and version (from a deploy) or the config's model set. */
  readonly model: { readonly package: string; readonly version: number; readonly modelId: string; readonly embeddingSize: number; readonly backend: string } | null;
  readonly gallery: { readonly identities: number; readonly templates: number; readonly generation: number } | null;
  readonly eventsLimitMb: number;
  readonly retentionDays: number;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  /** Only POST /api/login: reachable without a session. */
  readonly public?: boolean;
  /** Answers image bytes (JPEG or MJPEG): the tests check none come out without auth. */
  readonly image?: boolean;
  readonly summary: string;
  readonly handler: (c: Context<WebEnv>, deps: WebDeps) => Response | Promise<Response>;
}

/** The JSON body, validated: COMMAND_INVALID with every problem and its path otherwise. */
export async function body<S extends z.ZodType>(c: Context<WebEnv>, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch (error) {
    throw new ArcEdgeError('COMMAND_INVALID', `the request body is not JSON: ${(error as Error).message}`, { fix: 'send Content-Type: application/json with a JSON object' });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues);
    throw new ArcEdgeError('COMMAND_INVALID', `the request body is invalid: ${problems.join('; ').slice(0, 500)}`, { fix: 'fix every problem listed (docs/web-api.md has the schemas)', details: { problems: problems.slice(0, 20) } });
  }
  return parsed.data;
}

export function jpeg(bytes: Uint8Array): Response {
  return new Response(bytes as unknown as ConstructorParameters<typeof Response>[0], { headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(bytes.byteLength), 'Cache-Control': 'no-store' } });
}

/** A path parameter (the table's paths are not typed per route). */
export function param(c: Context<WebEnv>, name: string): string {
  const value = c.req.param(name) as string | undefined;
  if (value === undefined) throw new ArcEdgeError('NOT_FOUND', `missing path parameter ${name}`);
  return value;
}
