/**
 * Headers on every response. The CSP allows scripts and styles from this origin only (no
 * inline script: an injected <script> does nothing), images from this origin and blob:
 * (uploads previewed before sending), and no framing (clickjacking).
 */
import type { MiddlewareHandler } from 'hono';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(tls: boolean): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (tls) c.header('Strict-Transport-Security', 'max-age=31536000');
    // Faces and events must not sit in a shared or disk cache.
    if (c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
  };
}
