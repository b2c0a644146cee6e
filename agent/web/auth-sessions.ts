/**
 * Login sessions (in memory: a restart logs everyone out, which is fine for a device page),
 * each with its own CSRF token, and the per-address login rate limit.
 */
import { isIP } from 'node:net';
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
  /** Every failure in the window, whatever its address: the cap on scrypt work overall. */
  private all: number[] = [];

  /**
   * `limit` wrong passwords per client per window, where a client is an IPv4 address or an
   * IPv6 /64 (one host usually owns a whole /64, so rotating addresses inside it gains
   * nothing); `globalLimit` wrong passwords per window from everyone together.
   */
  constructor(private readonly limit: number, private readonly windowMs = 60_000, private readonly maxAddresses = 10_000, private readonly globalLimit = limit * 20) {}

  /** Milliseconds until this address may try again; 0: now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const recent = this.recent(clientKey(address), now);
    this.all = this.all.filter((t) => t > now - this.windowMs);
    const own = recent.length >= this.limit ? recent[0]! + this.windowMs - now : 0;
    const global = this.all.length >= this.globalLimit ? this.all[0]! + this.windowMs - now : 0;
    return Math.max(own, global);
  }

  fail(address: string, now = Date.now()): void {
    const key = clientKey(address);
    if (!this.failures.has(key) && this.failures.size >= this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(key, [...this.recent(key, now), now]);
    this.all.push(now);
  }

  private recent(address: string, now: number): number[] {
    const list = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(address);
    else this.failures.set(address, list);
    return list;
  }
}

/** The limiter's unit: an IPv4 address (also when IPv4-mapped), or the /64 of an IPv6 one. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head, tail = ''] = address.split('%')[0]!.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g || '0', 16).toString(16)).join(':')}::/64`;
}
