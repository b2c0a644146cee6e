/**
 * Agent rows: frames/s the agent processes from a 1080p clip (ffmpeg capture, detection and
 * tracking in the worker thread, faces embedded when a track needs it) against the detector's
 * raw model time in the same run, and the main thread's event-loop delay p99 under that load
 * against its target of 20 ms (MQTT keep-alives, commands and watchdogs stay responsive).
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { Agent } from '../../../agent/agent.ts';
import { parseConfig } from '../../../agent/config/load.ts';
import { buildClip } from '../../../agent/demo/clip.ts';
import { createLogger } from '../../../agent/log.ts';
import { repoRoot } from '../../helpers/assets.ts';
import { SCRFD_FR512 } from '../../analyzer/model-sets.ts';
import { SHOWN } from '../../agent/fixtures.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

interface AgentBench {
  readonly fps: number;
  readonly capturedFps: number;
  readonly detectorFps: number;
  readonly detectorMs: number;
  readonly embedRuns: number;
  readonly frames: number;
  readonly lag: { p50: number; p99: number; max: number };
  readonly seconds: number;
}

async function measure(threads: number, seconds: number): Promise<AgentBench> {
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
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (Date.now() - start) / 1000;
    const lag = agent.lag.take();
    const after = (await agent.host!.call('stats', {})) as { models: Record<string, { runs: number; totalRunMs: number }> };
    const frames = (agent.processed.get('hd') ?? 0) - processedBefore;
    const read = agent.cameras.get('hd')!.framesRead - readBefore;
    const detRuns = after.models.detect!.runs - before.models.detect!.runs;
    const detMs = (after.models.detect!.totalRunMs - before.models.detect!.totalRunMs) / Math.max(1, detRuns);
    const embedRuns = (after.models.embed?.runs ?? 0) - (before.models.embed?.runs ?? 0);
    return { fps: frames / elapsed, capturedFps: read / elapsed, detectorFps: 1000 / detMs, detectorMs: detMs, embedRuns, frames, lag, seconds: elapsed };
  } finally {
    await agent.stop();
  }
}

const provider: RowProvider = {
  part: 'agent',
  async run(context: BenchContext) {
    const seconds = Number(process.env.BENCH_AGENT_SECONDS ?? (context.quick ? 10 : 20));
    context.log(`agent: ${seconds} s on a 1920x1080 clip`);
    const r = await measure(context.threads, seconds);
    const rows: BenchRow[] = [
      {
        section: 'agent',
        name: 'agent frames/s, 1920x1080 clip (det_500m + fr_feature_512)',
        value: r.fps,
        unit: 'frames/s',
        baseline: { name: 'detector raw model frames/s (1000 / session.run ms, same run)', value: r.detectorFps },
        better: 'higher',
        note: `${r.capturedFps.toFixed(1)} frames/s captured, the rest dropped (latest-frame-wins); ${r.embedRuns} embed runs for ${r.frames} frames`,
      },
      {
        section: 'agent',
        name: 'main-thread event-loop delay p99 under that load',
        value: r.lag.p99,
        unit: 'ms',
        baseline: { name: 'target', value: 20 },
        better: 'lower',
        target: '<= 1.00',
        note: `p50 ${r.lag.p50} ms, max ${r.lag.max} ms`,
      },
    ];
    return rows;
  },
};

export default provider;
