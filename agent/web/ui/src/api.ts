/**
 * The pages' only door to the agent: JSON over fetch with the session cookie, the CSRF token on
 * every state-changing request (the server answers 403 without it), and API errors turned into
 * ApiError with the server's code, message and fix. Shapes follow docs/web-api.md; they are
 * restated here because the browser bundle must not pull in the SDK (zod, Node modules).
 */

export interface ApiEvent {
  readonly id: string;
  readonly ts: string;
  readonly camera: string;
  readonly personId: string | null;
  readonly name: string | null;
  readonly score: number;
  readonly trackId: number | string;
  readonly snapshotUrl: string | null;
}
export interface EventPage {
  readonly events: ApiEvent[];
  readonly next: string | null;
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

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fix: string,
    readonly retryAfterSec: number | null = null,
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
    const body = (await response.json()) as { error?: { code?: string; message?: string; fix?: string } };
    const e = body.error ?? {};
    return new ApiError(response.status, e.code ?? `HTTP_${response.status}`, e.message ?? response.statusText, e.fix ?? '', retryAfterSec);
  } catch {
    return new ApiError(response.status, `HTTP_${response.status}`, `${response.status} ${response.statusText}`, '', retryAfterSec);
  }
}

export async function request<T>(method: string, path: string, body?: unknown, options: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
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
  login: (password: string) => request<{ csrfToken: string }>('POST', '/api/login', { password }, { quiet401: true }),
  logout: () => request<unknown>('POST', '/api/logout'),
  status: () => request<Record<string, unknown>>('GET', '/api/status'),
  cameras: () => request<CameraInfo[]>('GET', '/api/cameras'),
  enrollFromCamera: (camera: string, name: string, personId?: string) =>
    request<unknown>('POST', `/api/cameras/${encodeURIComponent(camera)}/enroll`, personId ? { name, personId } : { name }),
  events: (query: Record<string, string>) => request<EventPage>('GET', `/api/events?${new URLSearchParams(query).toString()}`),
  enrollFromEvent: (eventId: string, name: string, personId?: string) =>
    request<unknown>('POST', `/api/events/${encodeURIComponent(eventId)}/enroll`, personId ? { name, personId } : { name }),
  people: () => request<Person[]>('GET', '/api/people'),
  addPerson: (name: string, image: string) => request<unknown>('POST', '/api/people', { name, image }),
  addPhoto: (id: string, image: string) => request<unknown>('POST', `/api/people/${encodeURIComponent(id)}/photos`, { image }),
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
