/**
 * Who may use the web API: a login session (cookie `arcedge_session`: HttpOnly,
 * SameSite=Strict, Secure under TLS) or a bearer token (API clients). Cookie sessions must
 * send their CSRF token (X-CSRF-Token) on every state-changing request; bearer requests need
 * none (a browser never adds an Authorization header on its own). Every /api route except
 * POST /api/login answers 401 without one of the two.
 */
import { readFileSync } from 'node:fs';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ArcEdgeError } from '../../sdk/index.ts';
import type { WebConfig } from '../config/schema.ts';
import { parsePasswordHash, verifyPassword } from '../../sdk/internal.ts';
import { LoginLimiter, sameSecret, SessionStore, type Session } from './auth-sessions.ts';
import type { WebEnv } from './server.ts';
import { FileSessionStore } from './session-file.ts';

export const SESSION_COOKIE = 'arcedge_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Logins queued behind the one being checked; more get 429 at once. */
const MAX_WAITING_LOGINS = 32;

export type Principal = { readonly kind: 'session'; readonly session: Session } | { readonly kind: 'bearer' };

export class WebAuth {
  private readonly password: ReturnType<typeof parsePasswordHash> | undefined;
  private readonly token: string | undefined;
  readonly sessions: Pick<SessionStore, 'create' | 'get' | 'delete'>;
  readonly limiter: LoginLimiter;
  /**
   * Password checks run one at a time: scrypt takes ~32 MiB and ~0.1 s each, and the rate limit
   * must see every earlier failure, which a burst of parallel requests would otherwise overtake.
   */
  private checks: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** `sessionFile`: keep sessions there so that they survive a restart (session-file.ts); in memory otherwise. */
  constructor(private readonly config: WebConfig, sessionFile?: string, log?: (message: string, error: unknown) => void) {
    const hash = config.passwordHash ?? (config.passwordHashFile ? readFileSync(config.passwordHashFile, 'utf8').trim() : undefined);
    this.password = hash ? parsePasswordHash(hash, config.passwordHash ? 'web.passwordHash' : `web.passwordHashFile (${config.passwordHashFile})`) : undefined;
    const token = config.tokenFile ? readFileSync(config.tokenFile, 'utf8').trim() : undefined;
    if (token !== undefined && token.length < 32) {
      throw new ArcEdgeError('CONFIG_INVALID', `web.tokenFile (${config.tokenFile}) holds a token of ${token.length} characters; at least 32 are needed`, {
        fix: `write a random one: openssl rand -base64 32 > ${config.tokenFile} && chmod 600 ${config.tokenFile}`,
      });
    }
    this.token = token;
    this.sessions = sessionFile ? new FileSessionStore(sessionFile, config.sessionHours * 3_600_000, log) : new SessionStore(config.sessionHours * 3_600_000);
    this.limiter = new LoginLimiter(config.loginAttemptsPerMinute);
  }

  /** The caller, from the bearer header or the session cookie; undefined: anonymous. */
  principal(c: Context<WebEnv>): Principal | undefined {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      return match && this.token !== undefined && sameSecret(match[1]!, this.token) ? { kind: 'bearer' } : undefined;
    }
    const session = this.sessions.get(getCookie(c, SESSION_COOKIE));
    return session ? { kind: 'session', session } : undefined;
  }

  /** 401 without a principal; 403 for a cookie session's state change without its CSRF token. */
  require(isPublic: (c: Context<WebEnv>) => boolean): MiddlewareHandler<WebEnv> {
    return async (c, next) => {
      if (isPublic(c)) return next();
      const principal = this.principal(c);
      if (!principal) throw new ArcEdgeError('UNAUTHORIZED', 'log in first', { fix: 'POST /api/login { password }, or send Authorization: Bearer <token>' });
      if (principal.kind === 'session' && !SAFE_METHODS.has(c.req.method)) {
        const sent = c.req.header('x-csrf-token');
        if (!sent || !sameSecret(sent, principal.session.csrfToken)) {
          throw new ArcEdgeError('CSRF_INVALID', `${c.req.method} ${c.req.path} needs the X-CSRF-Token header of this session`);
        }
      }
      return next();
    };
  }

  /** POST /api/login: rate limited per client address before any password work. */
  async login(c: Context<WebEnv>, password: string): Promise<Response> {
    if (this.waiting >= MAX_WAITING_LOGINS) return limited(c, 1000);
    this.waiting += 1;
    const turn = this.checks.then(() => this.check(c, password));
    this.checks = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      this.waiting -= 1;
    }
  }

  private async check(c: Context<WebEnv>, password: string): Promise<Response> {
    const address = clientAddress(c);
    const waitMs = this.limiter.retryAfterMs(address);
    if (waitMs > 0) return limited(c, waitMs);
    if (!this.password) throw new ArcEdgeError('UNAUTHORIZED', 'this device has no web password, only a bearer token', { fix: 'set web.passwordHash (from `arcedge web-password`) to log in with a password' });
    if (!(await verifyPassword(password, this.password))) {
      this.limiter.fail(address);
      throw new ArcEdgeError('UNAUTHORIZED', 'wrong password', { fix: 'check the password; after several wrong ones this address has to wait a minute' });
    }
    const session = this.sessions.create();
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: this.config.tls !== undefined,
      path: '/',
      maxAge: Math.floor((session.expiresAt - Date.now()) / 1000),
    });
    return c.json({ csrfToken: session.csrfToken });
  }

  logout(c: Context<WebEnv>): Response {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: this.config.tls !== undefined, httpOnly: true, sameSite: 'Strict' });
    return c.json({ ok: true });
  }
}

/** The socket's peer address; X-Forwarded-For is not trusted (anyone can send it). */
export function clientAddress(c: Context<WebEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

function limited(c: Context<WebEnv>, waitMs: number): Response {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  c.header('Retry-After', String(seconds));
  return c.json({ error: { code: 'RATE_LIMITED', message: `too many wrong passwords from ${clientAddress(c)}`, fix: `wait ${seconds} s, then log in with the right password`, details: { retryAfterSec: seconds } } }, 429);
}
