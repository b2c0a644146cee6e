/**
 * Login sessions (in memory: a restart logs everyone out, which is fine for a device page),
 * each with its own CSRF token, and the per-address login rate limit.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  readonly id: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

const token = () => randomBytes(32).toString('base64url');

/** Equal-length constant-time compare of two strings (hashing first makes the lengths equal). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly lifetimeMs: number, private readonly maxSessions = 1000) {}

  create(now = Date.now()): Session {
    this.sweep(now);
    // A flood of logins cannot grow memory without bound: the oldest session makes room.
    if (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const session = { id: token(), csrfToken: token(), expiresAt: now + this.lifetimeMs };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/**
 * Wrong passwords per client address in a sliding window: `limit` failures within `windowMs`
 * and the address waits until the oldest of them leaves the window (429 + Retry-After). While
 * limited, no password is even checked, so a guesser learns nothing and costs no scrypt work.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit: number, private readonly windowMs = 60_000, private readonly maxAddresses = 10_000) {}

  /** Milliseconds until this address may try again; 0: now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const recent = this.recent(address, now);
    return recent.length >= this.limit ? recent[0]! + this.windowMs - now : 0;
  }

  fail(address: string, now = Date.now()): void {
    if (!this.failures.has(address) && this.failures.size >= this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(address, [...this.recent(address, now), now]);
  }

  private recent(address: string, now: number): number[] {
    const list = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(address);
    else this.failures.set(address, list);
    return list;
  }
}
