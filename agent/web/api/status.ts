/** The Device page's data: what runs, how fast, how much memory, what went wrong lately. */
import type { CameraSummarySchema } from '../../../sdk/internal.ts';
import type { z } from 'zod';
import type { ApiRoute, WebDeps } from './route.ts';

const previous = new WeakMap<WebDeps, { at: number; processed: Map<string, number>; fps: Map<string, number> }>();

/** Frames/s per camera since the previous call (at least 1 s apart, else the last value). */
export function cameraSummaries(deps: WebDeps): z.infer<typeof CameraSummarySchema>[] {
  const now = Date.now();
  const last = previous.get(deps) ?? { at: deps.startedAt, processed: new Map<string, number>(), fps: new Map<string, number>() };
  const fresh = now - last.at >= 1000;
  const next = fresh ? { at: now, processed: new Map<string, number>(), fps: new Map<string, number>() } : last;
  const out = deps.cameraIds().map((id) => {
    const processed = deps.processed(id);
    const fps = fresh ? Math.round(((processed - (last.processed.get(id) ?? 0)) / ((now - last.at) / 1000)) * 100) / 100 : (last.fps.get(id) ?? 0);
    if (fresh) next.processed.set(id, processed), next.fps.set(id, fps);
    return { id, state: deps.cameraStatus(id)?.state ?? 'unknown', fps, latencyMs: deps.latencyMs(id) ?? null };
  });
  previous.set(deps, next);
  return out;
}

export const STATUS_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/status',
    summary: 'device status (agent/status.ts, as the status command answers it) plus backend and precision, camera frames/s, memory, live view, recent errors',
    handler: async (c, deps) => {
      // The typed status every consumer shares (agent/status.ts), then what only the web shows.
      // The broker URL stays out (it may carry credentials; /api/device shows it without them),
      // and cameras are the web's summaries (state, frames/s, latency), not the retained statuses.
      const { broker: _broker, cameras: _cameras, ...status } = deps.status();
      const stats = await deps.modelStats().catch(() => undefined);
      const mem = process.memoryUsage();
      return c.json({
        ...status,
        agentVersion: status.version,
        models: status.models ?? {},
        backend: stats ? Object.fromEntries(Object.entries(stats.models).map(([role, s]) => [role, s.target])) : {},
        precision: stats?.precision ?? null,
        threshold: status.threshold ?? null,
        cameras: cameraSummaries(deps),
        memory: { rssMb: Math.round(mem.rss / 1048576), heapUsedMb: Math.round(mem.heapUsed / 1048576) },
        live: { viewers: deps.live.watching, framesEncoded: deps.live.encoded },
        events: deps.store ? { sizeMb: Math.round((deps.store.sizeBytes() / 1048576) * 10) / 10 } : null,
        recentErrors: deps.recentProblems(),
      });
    },
  },
  { method: 'GET', path: '/api/cameras', summary: 'cameras: [{ id, state, fps, latencyMs }]', handler: (c, deps) => c.json(cameraSummaries(deps)) },
];
