/**
 * Health numbers for the metrics topic: per-stage latency percentiles over a window, and the
 * main thread's event-loop delay (perf_hooks' histogram: what a blocked loop would cost MQTT
 * keep-alives and watchdogs).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

/** Samples per stage since the last take(); bounded so a long window cannot grow memory. */
export class StageTimings {
  private readonly samples = new Map<string, number[]>();

  add(stage: string, ms: number): void {
    const list = this.samples.get(stage) ?? [];
    if (list.length < 10_000) list.push(ms);
    this.samples.set(stage, list);
  }

  take(): Record<string, Percentiles> {
    const out: Record<string, Percentiles> = {};
    for (const [stage, list] of this.samples) out[stage] = percentiles(list);
    this.samples.clear();
    return out;
  }
}

/** Sampling timer of the event-loop histogram; each sample includes it, so it is subtracted. */
const LAG_RESOLUTION_MS = 10;

export class EventLoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });

  constructor() {
    this.histogram.enable();
  }

  /** Delay beyond the timer's own interval, in ms, since the last take() (an idle loop reads ~0). */
  take(): Percentiles {
    const h = this.histogram;
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LAG_RESOLUTION_MS) * 100) / 100);
    const out = h.count > 0 ? { p50: ms(h.percentile(50)), p95: ms(h.percentile(95)), p99: ms(h.percentile(99)), max: ms(h.max) } : { p50: 0, p95: 0, p99: 0, max: 0 };
    h.reset();
    return out;
  }

  stop(): void {
    this.histogram.disable();
  }
}
