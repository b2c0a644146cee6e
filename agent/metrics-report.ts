/** The metrics payload of a running agent (MetricsSchema), from its counters and timings. */
import type { Metrics } from '../sdk/index.ts';
import type { AgentView } from './agent-view.ts';

const last = new WeakMap<AgentView, { at: number; read: Map<string, number>; processed: Map<string, number>; dropped: Map<string, number>; detected: Map<string, number> }>();

export function buildMetrics(agent: AgentView): Metrics {
  const now = Date.now();
  const previous = last.get(agent) ?? { at: agent.startedAt, read: new Map(), processed: new Map(), dropped: new Map(), detected: new Map() };
  const windowMs = Math.max(1, now - previous.at);
  const cameras: Metrics['cameras'] = {};
  const read = new Map<string, number>();
  const processed = new Map<string, number>();
  const dropped = new Map<string, number>();
  const detected = new Map<string, number>();
  for (const [id, camera] of agent.cameras) {
    const slot = agent.host?.slots.get(id);
    read.set(id, camera.framesRead);
    processed.set(id, agent.processed.get(id) ?? 0);
    dropped.set(id, slot?.dropped ?? 0);
    detected.set(id, agent.detected.get(id) ?? 0);
    const rate = (m: Map<string, number>, p: Map<string, number>) => Math.round((((m.get(id) ?? 0) - (p.get(id) ?? 0)) / windowMs) * 100000) / 100;
    cameras[id] = {
      state: camera.state,
      captureFps: rate(read, previous.read),
      processedFps: rate(processed, previous.processed),
      droppedFrames: (dropped.get(id) ?? 0) - (previous.dropped.get(id) ?? 0),
      queueDepth: slot?.frame ? 1 : 0,
      tracks: agent.liveTracks.get(id) ?? 0,
      restarts: camera.restarts,
      ignoredEvents: agent.ignoredEvents.get(id) ?? 0,
      processedFrames: (processed.get(id) ?? 0) - (previous.processed.get(id) ?? 0),
      detectedFrames: (detected.get(id) ?? 0) - (previous.detected.get(id) ?? 0),
    };
  }
  last.set(agent, { at: now, read, processed, dropped, detected });
  const mem = process.memoryUsage();
  const lag = agent.lag.take();
  const stages = agent.timings.take();
  return {
    device: agent.config.device.id,
    ts: new Date(now).toISOString(),
    windowMs,
    cameras,
    stagesMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v])),
    eventLoopLagMs: lag,
    outbox: agent.outbox.size(),
    ...(agent.host ? { pipeline: { processes: agent.host.workerThreads, ready: agent.host.processes().filter((p) => p.ready).length, restarts: agent.host.restarts } } : {}),
    memory: { rssMb: Math.round(mem.rss / 1048576), heapUsedMb: Math.round(mem.heapUsed / 1048576) },
  };
}
