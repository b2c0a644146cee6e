/**
 * Bench rows for the agent: frames/s it processes from a 1080p clip (captured by ffmpeg, detected
 * and tracked in the worker, faces embedded when a track needs it) against the detector's raw
 * model time in the same run, and the main thread's event-loop delay p99 under that load
 * (target < 20 ms: MQTT keep-alives, commands and watchdogs stay responsive).
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { Agent } from '../../agent/agent.ts';
import { parseConfig } from '../../agent/config/load.ts';
import { buildClip } from '../../agent/demo/clip.ts';
import { createLogger } from '../../agent/log.ts';
import { repoRoot } from '../helpers/assets.ts';
import { SCRFD_FR512 } from '../analyzer/model-sets.ts';
import { SHOWN } from '../agent/fixtures.ts';

const SECONDS = Number(process.env.BENCH_AGENT_SECONDS ?? 20);

export async function benchAgent(threads: number): Promise<string> {
  const dir = join(repoRoot, 'test', '.tmp', 'bench-agent');
  rmSync(dir, { recursive: true, force: true });
  const clip = await buildClip(SHOWN, join(dir, 'clip-1080p.mp4'), { width: 1920, height: 1080, fps: 25, showSec: 1.5, gapSec: 0.5 });
  const config = parseConfig(
    {
      device: { id: 'bench' },
      mqtt: { embedded: { host: '127.0.0.1', port: 0 } },
      models: SCRFD_FR512(),
      inference: { backend: { threads } },
      gallery: join(dir, 'gallery.db'),
      dataDir: join(dir, 'data'),
      cameras: [{ id: 'hd', source: `file://${clip.path}`, loop: true }],
      metrics: { intervalSec: 3600 },
      log: { level: 'warn' },
    },
    dir,
  );
  const agent = new Agent(config, createLogger('warn'));
  await agent.start();
  try {
    // Warm-up: the first inferences of a session allocate; measure from the first processed frame on.
    while ((agent.processed.get('hd') ?? 0) < 3) await new Promise((r) => setTimeout(r, 100));
    const before = (await agent.host!.call('stats', {})) as { models: Record<string, { runs: number; totalRunMs: number }> };
    const processedBefore = agent.processed.get('hd') ?? 0;
    const readBefore = agent.cameras.get('hd')!.framesRead;
    agent.lag.take();
    const start = Date.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const seconds = (Date.now() - start) / 1000;
    const lag = agent.lag.take();
    const after = (await agent.host!.call('stats', {})) as { models: Record<string, { runs: number; totalRunMs: number }> };
    const frames = (agent.processed.get('hd') ?? 0) - processedBefore;
    const read = agent.cameras.get('hd')!.framesRead - readBefore;
    const detRuns = after.models.detect!.runs - before.models.detect!.runs;
    const detMs = (after.models.detect!.totalRunMs - before.models.detect!.totalRunMs) / Math.max(1, detRuns);
    const embedRuns = (after.models.embed?.runs ?? 0) - (before.models.embed?.runs ?? 0);
    const fps = frames / seconds;
    const rawFps = 1000 / detMs;
    return [
      `agent, 1920x1080 clip (ffmpeg capture, det_500m + fr_feature_512, ${threads} intra-op threads, ${seconds.toFixed(0)} s):`,
      `  processed ${fps.toFixed(2)} frames/s of ${(read / seconds).toFixed(1)} captured (latest-frame-wins drops the rest); ${embedRuns} embed runs for ${frames} frames`,
      `  detector raw model time ${detMs.toFixed(1)} ms/frame = ${rawFps.toFixed(2)} frames/s at most; agent reaches ${((fps / rawFps) * 100).toFixed(0)}% of it`,
      `  main-thread event-loop delay p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms (target p99 < 20 ms)`,
    ].join('\n');
  } finally {
    await agent.stop();
  }
}
