/**
 * The web app: security headers on everything, auth on /api/*, the API route table, the pages'
 * static files, and one error format ({ error: { code, message, fix } }, the codes of
 * docs/errors.md) with an HTTP status per code.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ArcEdgeError, isArcEdgeError, type ArcEdgeErrorCode } from '../../sdk/index.ts';
// The web API answers with the agent's codes (agent/errors.ts); declared here for the fix text.
import '../errors.ts';
import { MAX_WEB_BODY_BYTES } from '../../sdk/internal.ts';
import { API_ROUTES } from './api/routes.ts';
import type { WebDeps } from './api/route.ts';
import { securityHeaders } from './security-headers.ts';
import type { WebEnv } from './server.ts';
import { serveStatic } from './static.ts';

const STATUS: Partial<Record<ArcEdgeErrorCode, ContentfulStatusCode>> = {
  UNAUTHORIZED: 401,
  CSRF_INVALID: 403,
  RATE_LIMITED: 429,
  NOT_FOUND: 404,
  GALLERY_IDENTITY_NOT_FOUND: 404,
  CAMERA_UNKNOWN: 404,
  PAYLOAD_TOO_LARGE: 413,
  FACE_CONFLICT: 409,
  CAMERA_NO_FRAME: 503,
  BACKEND_DISPOSED: 503,
  EVENTS_STORE_FAILED: 503,
};
/** Caller mistakes (bad body, bad image, no face): 400; anything else unexpected: 500. */
const CLIENT_ERRORS = /^(COMMAND_INVALID|INVALID_ARGUMENT|IMAGE_|FACE_|GALLERY_NAME|GALLERY_DUPLICATE)/;

export function errorResponse(error: unknown): Response {
  const e = isArcEdgeError(error) ? error : new ArcEdgeError('INVALID_ARGUMENT', 'internal error', { fix: 'see the agent log' });
  const status = STATUS[e.code] ?? (CLIENT_ERRORS.test(e.code) ? 400 : 500);
  return Response.json({ error: e.toJSON() }, { status });
}

export function createWebApp(deps: WebDeps, assetsDir: () => string, options: { tls: boolean; log: (error: unknown) => void }): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use('*', securityHeaders(options.tls));
  const publicRoutes = new Set(API_ROUTES.filter((r) => r.public).map((r) => `${r.method} ${r.path}`));
  app.use('/api/*', deps.auth.require((c) => publicRoutes.has(`${c.req.method} ${c.req.path}`)));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_WEB_BODY_BYTES,
      onError: () => errorResponse(new ArcEdgeError('PAYLOAD_TOO_LARGE', `the request body is over ${MAX_WEB_BODY_BYTES} bytes`, { fix: 'send a smaller photo (downscale the JPEG)' })),
    }),
  );
  for (const route of API_ROUTES) app.on(route.method, route.path, (c) => route.handler(c, deps));
  app.all('/api/*', () => errorResponse(new ArcEdgeError('NOT_FOUND', 'no such API route', { fix: 'docs/web-api.md lists the routes' })));
  // The folder is resolved on the first page request (in a checkout that may build the pages),
  // so the agent's start does not wait for it and an API-only device never builds them.
  app.get('/', (c) => serveStatic(c, assetsDir(), 'index.html'));
  app.get('/assets/*', (c) => serveStatic(c, assetsDir(), c.req.path.slice(1)));
  app.onError((error) => {
    if (!isArcEdgeError(error) || (STATUS[error.code] ?? 400) >= 500) options.log(error);
    return errorResponse(error);
  });
  return app;
}
