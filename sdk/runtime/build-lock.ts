/**
 * One TensorRT engine build per cache slot at a time, across processes and threads. On first
 * start every agent worker loads the same models; without a lock each built the same engine at
 * once, and the builders' memory (a GiB or more each) does not fit an 8 GB Orin twice. The first
 * to create `<slot>.lock` (O_EXCL) builds; the others wait, then find the engine in the cache.
 *
 * The lock file says who holds it (pid, host, start time) and its mtime is refreshed while the
 * build runs. A lock is taken over when its holder is gone: a pid that no longer exists on this
 * host, or no refresh for staleMs (a crashed holder on another host sharing the folder).
 */
import { hostname } from 'node:os';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';

export interface BuildLockOptions {
  /** How often a waiter looks again (default 1 s). */
  readonly pollMs?: number;
  /** A lock not refreshed for this long is abandoned (default 10 min; refreshed every staleMs / 10). */
  readonly staleMs?: number;
  /** Called once when the lock is held by someone else and this caller starts waiting. */
  readonly onWait?: (holder: string) => void;
  /** Called after each wait: true ends the wait without the lock (the engine appeared meanwhile). */
  readonly done?: () => Promise<boolean>;
}

export interface BuildLock {
  /** false when `done()` ended the wait: nothing to build, nothing to release. */
  readonly held: boolean;
  release(): Promise<void>;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

const DEFAULTS = { pollMs: 1000, staleMs: 10 * 60_000 } as const;

export const lockPath = (dir: string, slot: string): string => join(dir, `${slot}.lock`);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt) } : undefined;
  } catch {
    return undefined; // being written, or garbage: judged by its age alone
  }
}

/** The lock file's identity when it may be taken over, or undefined while its holder looks alive. */
async function abandoned(path: string, staleMs: number): Promise<{ ino: number; mtimeMs: number } | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return { ino: -1, mtimeMs: -1 }; // released meanwhile: open again at once
  const holder = await readHolder(path);
  const exited = holder !== undefined && holder.host === hostname() && !pidAlive(holder.pid);
  return exited || Date.now() - info.mtimeMs > staleMs ? { ino: info.ino, mtimeMs: info.mtimeMs } : undefined;
}

const describe = (holder: Holder | undefined): string => (holder ? `pid ${holder.pid} on ${holder.host} since ${holder.startedAt}` : 'another process');

/** Waits for and takes the build lock of `slot` in `dir` (which must exist). */
export async function acquireBuildLock(dir: string, slot: string, options: BuildLockOptions = {}): Promise<BuildLock> {
  const { pollMs, staleMs } = { ...DEFAULTS, ...options };
  const path = lockPath(dir, slot);
  let waiting = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      const heartbeat = setInterval(() => {
        const now = new Date();
        void utimes(path, now, now).catch(() => undefined);
      }, Math.max(50, staleMs / 10));
      heartbeat.unref();
      let released = false;
      return {
        held: true,
        async release() {
          if (released) return;
          released = true;
          clearInterval(heartbeat);
          // Only our own lock: a waiter may have judged it stale and taken it over.
          const holder = await readHolder(path);
          if (holder?.pid === me.pid && holder.host === me.host && holder.startedAt === me.startedAt) await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stale = await abandoned(path, staleMs);
    if (stale) {
      // Remove exactly the file judged stale, not a fresh lock another waiter created since.
      const now = await stat(path).catch(() => undefined);
      if (now && now.ino === stale.ino && now.mtimeMs === stale.mtimeMs) await unlink(path).catch(() => undefined);
      continue; // whoever wins the next O_EXCL open builds
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(describe(await readHolder(path)));
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    if (options.done && (await options.done())) return { held: false, release: async () => undefined };
  }
}
