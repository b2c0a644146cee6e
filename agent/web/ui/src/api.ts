/**
 * The pages' only door to the agent: JSON over fetch with the session cookie, the CSRF token on
 * every state-changing request (the server answers 403 without it), and API errors turned into
 * ApiError with the server's code, message and fix. Shapes follow docs/web-api.md; they are
 * restated here because the browser bundle must not pull in the SDK (zod, Node modules).
 */

export interface ApiEvent {
  readonly id: string;
  readonly type?: string;
  readonly ts: string;
  readonly camera: string;
  readonly personId: string | null;
  readonly name: string | null;
  readonly score: number;
  readonly trackId: number | string;
  readonly snapshotUrl: string | null;
  /** The full frame with the face boxed, when the agent kept one. */
  readonly frameUrl?: string;
}
/** [x, y] as fractions (0..1) of the frame's width and height. */
export type MaskPoint = [number, number];
export interface CameraSettings {
  readonly masks: { name?: string; points: MaskPoint[] }[];
  readonly minFacePx: number;
}
export interface EventPage {
  readonly events: ApiEvent[];
  readonly next: string | null;
  /** Events matching the filters, all pages (absent from older agents). */
  readonly total?: number;
}
export interface Template {
  readonly id: string;
  readonly createdAt: string;
  readonly quality: number | null;
  readonly cropUrl: string;
}
export interface Person {
  readonly id: string;
  readonly name: string;
  readonly templates: Template[];
}
export interface CameraInfo {
  readonly id: string;
  readonly state: string;
  readonly fps: number | null;
  readonly latencyMs: number | null;
}
export interface ForgetResult {
  readonly templates: number;
  readonly snapshots: number;
  readonly events: number;
}

export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}
/** A face on a live frame (GET /api/cameras/:id/live.json). */
export interface LiveFace {
  readonly trackId: number;
  readonly box: Box;
  readonly state: 'known' | 'unknown' | 'deciding';
  readonly personId: string | null;
  readonly name: string | null;
  readonly score: number | null;
}
export interface LiveFrame {
  readonly ts: string;
  readonly width: number;
  readonly height: number;
  readonly jpeg: string;
  readonly faces: LiveFace[];
}
export interface FaceMatch {
  readonly personId: string;
  readonly name: string;
  readonly score: number;
  readonly cropUrl?: string;
}
/** One face of a frozen frame: enroll it by its token. */
export interface FrozenFace {
  readonly token: string;
  readonly box: Box;
  /** data: URL of the aligned crop that will be saved. */
  readonly crop: string;
  readonly quality: { readonly ok: boolean; readonly reasons: readonly string[] };
  readonly match: FaceMatch | null;
}
export interface FrozenFrame {
  readonly frame: string;
  readonly width: number;
  readonly height: number;
  readonly expiresAt: string;
  readonly faces: FrozenFace[];
}

/** Thrown when the agent cannot be reached at all (stopped, rebooting, network down). */
export class DeviceDownError extends Error {}

let lastContact = Date.now();
let down = false;
const connectionListeners = new Set<(down: boolean, since: number) => void>();

/** Called with (true, time of the last answer) when the agent stops answering, (false, now) when it answers again. */
export function onConnection(listener: (down: boolean, since: number) => void): () => void {
  connectionListeners.add(listener);
  return () => connectionListeners.delete(listener);
}

function setDown(next: boolean): void {
  if (!next) lastContact = Date.now();
  if (next === down) return;
  down = next;
  for (const l of connectionListeners) l(down, lastContact);
}

export function isDown(): boolean {
  return down;
}

/** When the agent last answered (ms since epoch). */
export function lastContactAt(): number {
  return lastContact;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fix: string,
    readonly retryAfterSec: number | null = null,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
/** Called when a request answers 401: the session expired or was never there. */
let onUnauthorized: () => void = () => {};

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function toApiError(response: Response): Promise<ApiError> {
  const retry = Number(response.headers.get('Retry-After'));
  const retryAfterSec = Number.isFinite(retry) && retry > 0 ? retry : null;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; fix?: string; details?: Record<string, unknown> } };
    const e = body.error ?? {};
    return new ApiError(response.status, e.code ?? `HTTP_${response.status}`, e.message ?? response.statusText, e.fix ?? '', retryAfterSec, e.details ?? null);
  } catch {
    return new ApiError(response.status, `HTTP_${response.status}`, `${response.status} ${response.statusText}`, '', retryAfterSec);
  }
}

export async function request<T>(method: string, path: string, body?: unknown, options: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    setDown(true);
    throw new DeviceDownError(`no connection to the device since ${new Date(lastContact).toLocaleTimeString()}`);
  }
  // A proxy in front of a stopped agent answers 502/503/504 itself: down too.
  if ([502, 504].includes(response.status)) {
    setDown(true);
    throw new DeviceDownError(`no connection to the device since ${new Date(lastContact).toLocaleTimeString()}`);
  }
  setDown(false);
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.quiet401) onUnauthorized();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  session: () => request<{ csrfToken: string }>('GET', '/api/session', undefined, { quiet401: true }),
  /** The heartbeat: a 401 here ends the page's session like any other request. */
  ping: () => request<{ csrfToken: string }>('GET', '/api/session'),
  login: (password: string) => request<{ csrfToken: string }>('POST', '/api/login', { password }, { quiet401: true }),
  logout: () => request<unknown>('POST', '/api/logout'),
  status: () => request<Record<string, unknown>>('GET', '/api/status'),
  cameras: () => request<CameraInfo[]>('GET', '/api/cameras'),
  events: (query: Record<string, string>) => request<EventPage>('GET', `/api/events?${new URLSearchParams(query).toString()}`),
  people: () => request<Person[]>('GET', '/api/people'),
  liveFrame: (camera: string) => request<LiveFrame>('GET', `/api/cameras/${encodeURIComponent(camera)}/live.json`),
  freezeCamera: (camera: string) => request<FrozenFrame>('POST', `/api/cameras/${encodeURIComponent(camera)}/faces`),
  freezePhoto: (image: string) => request<FrozenFrame>('POST', '/api/faces', { image }),
  freezeEvent: (eventId: string) => request<FrozenFrame>('POST', `/api/events/${encodeURIComponent(eventId)}/faces`),
  enrollFace: (token: string, name: string, personId?: string, confirm = false) =>
    request<{ person: { id: string; name: string; added: number; skipped: number }; quality: { ok: boolean; reasons: string[] } }>('POST', `/api/faces/${encodeURIComponent(token)}/enroll`, {
      name,
      ...(personId ? { personId } : {}),
      confirm,
    }),
  cameraSettings: (camera: string) => request<CameraSettings>('GET', `/api/cameras/${encodeURIComponent(camera)}/settings`),
  saveCameraSettings: (camera: string, settings: CameraSettings) => request<CameraSettings>('POST', `/api/cameras/${encodeURIComponent(camera)}/settings`, settings),
  device: () => request<Record<string, unknown>>('GET', '/api/device'),
  library: () => request<unknown>('GET', '/api/library'),
  libraryName: (eventIds: string[], name: string, personId: string | undefined, confirm: boolean) =>
    request<{ enrolled: number; events: number }>('POST', '/api/library/name', { eventIds, name, ...(personId ? { personId } : {}), confirm }),
  libraryIgnore: (eventIds: string[]) => request<{ ignored: number }>('POST', '/api/library/ignore', { eventIds }),
  rename: (id: string, name: string) => request<unknown>('POST', `/api/people/${encodeURIComponent(id)}/rename`, { name }),
  merge: (id: string, into: string) => request<unknown>('POST', `/api/people/${encodeURIComponent(id)}/merge`, { into }),
  deleteTemplate: (id: string, templateId: string) =>
    request<unknown>('DELETE', `/api/people/${encodeURIComponent(id)}/templates/${encodeURIComponent(templateId)}`),
  forget: (id: string) => request<ForgetResult>('DELETE', `/api/people/${encodeURIComponent(id)}`),
};

/** Reads a picked file as base64 (no data: prefix), the API's image encoding. */
export function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}

/** One line for the user: what failed and what to do. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.fix ? `${error.message} (${error.fix})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
