/**
 * Login sessions that survive an agent restart: the session store kept in a file
 * (<dataDir>/web-sessions.json, mode 0600), rewritten atomically on each login and logout.
 *
 * Why a persisted store and not signed, self-contained tokens: a logout (or an expiry) must end
 * the session for good, and a signed token stays valid until it expires unless the server keeps
 * a list of revoked ones: a stored state either way. The file holds a SHA-256 of each session id,
 * never the id itself, so whoever reads the file (a backup, a support bundle) gets no cookie
 * that logs in; the CSRF token stored beside it is useless without that cookie.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Session } from './auth-sessions.ts';

interface Stored {
  readonly csrfToken: string;
  readonly expiresAt: number;
}

const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');
const token = () => randomBytes(32).toString('base64url');

export class FileSessionStore {
  private readonly sessions = new Map<string, Stored>();

  constructor(
    private readonly file: string,
    private readonly lifetimeMs: number,
    private readonly log: (message: string, error: unknown) => void = () => {},
    private readonly maxSessions = 1000,
  ) {
    this.load();
  }

  create(now = Date.now()): Session {
    this.sweep(now);
    // A flood of logins cannot grow the file without bound: the oldest session makes room.
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const session = { id: token(), csrfToken: token(), expiresAt: now + this.lifetimeMs };
    this.sessions.set(hashId(session.id), { csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    this.save();
    return session;
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    if (!id) return undefined;
    const key = hashId(id);
    const stored = this.sessions.get(key);
    if (!stored) return undefined;
    if (stored.expiresAt <= now) {
      this.sessions.delete(key);
      this.save();
      return undefined;
    }
    return { id, csrfToken: stored.csrfToken, expiresAt: stored.expiresAt };
  }

  delete(id: string): void {
    if (this.sessions.delete(hashId(id))) this.save();
  }

  private sweep(now: number): void {
    for (const [key, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(key);
  }

  /** A missing or unreadable file is an empty store: everyone logs in again, nothing breaks. */
  private load(): void {
    if (!existsSync(this.file)) return;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as { sessions?: Record<string, Stored> };
      const now = Date.now();
      for (const [key, s] of Object.entries(data.sessions ?? {})) {
        if (typeof s?.csrfToken === 'string' && typeof s.expiresAt === 'number' && s.expiresAt > now) this.sessions.set(key, { csrfToken: s.csrfToken, expiresAt: s.expiresAt });
      }
    } catch (error) {
      this.log(`the web session file ${this.file} is unreadable; everyone logs in again`, error);
    }
  }

  private save(): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, sessions: Object.fromEntries(this.sessions) }), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (error) {
      // Sessions still work in memory; only their survival of a restart is lost.
      this.log(`could not write the web session file ${this.file}`, error);
    }
  }
}
