/**
 * One camera's lifecycle: start its source, watch for stalls, restart with exponential backoff,
 * and report state changes. Each camera owns its own child process and timers, so a stalled
 * or failing camera never affects another.
 *
 *   starting -> online (first frame) -> offline (stall, child exit) -> starting ... -> online
 *   error: the source cannot even be described (bad URL); stopped: stop() or a file's end.
 */
import type { CameraState } from '../../sdk/index.ts';
import type { CameraConfig } from '../config/schema.ts';
import { createSource } from './create-source.ts';
import type { FrameSource, SourceFrame } from './frame-source.ts';

export interface CameraEvents {
  frame(camera: string, frame: SourceFrame): void;
  state(camera: string, state: CameraState, detail: { reason?: string; retryInMs?: number }): void;
}

export const BACKOFF = { initialMs: 500, factor: 2, maxMs: 8000 } as const;
/**
 * CSI (Argus) cameras wait longer before the first restart: nvargus-daemon needs time to release
 * the previous session, and an immediate reopen is what fails after a crash.
 */
export const ARGUS_INITIAL_BACKOFF_MS = 3000;
const initialBackoffMs = (config: CameraConfig): number => (config.source.startsWith('csi://') ? ARGUS_INITIAL_BACKOFF_MS : BACKOFF.initialMs);

export class Camera {
  state: CameraState = 'stopped';
  restarts = 0;
  framesRead = 0;
  private source: FrameSource | undefined;
  private lastFrameAt = 0;
  private backoffMs: number;
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;
  private generation = 0;

  constructor(
    readonly config: CameraConfig,
    private readonly events: CameraEvents,
    private readonly makeSource: (camera: CameraConfig) => FrameSource = (c) => createSource(c),
  ) {
    this.backoffMs = initialBackoffMs(config);
  }

  /** A frame this camera delivered was dropped unprocessed: its buffer can be reused. */
  recycle(frame: SourceFrame): void {
    this.source?.recycle?.(frame.data);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.launch();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    const source = this.source;
    this.source = undefined;
    await source?.stop();
    this.setState('stopped', {});
  }

  private setState(state: CameraState, detail: { reason?: string; retryInMs?: number }): void {
    if (state === this.state && state !== 'offline') return;
    this.state = state;
    this.events.state(this.config.id, state, detail);
  }

  private async launch(): Promise<void> {
    const generation = ++this.generation;
    this.setState('starting', {});
    let source: FrameSource;
    try {
      source = this.makeSource(this.config);
    } catch (error) {
      this.setState('error', { reason: (error as Error).message });
      return;
    }
    this.source = source;
    this.lastFrameAt = Date.now();
    const current = () => generation === this.generation && this.running;
    try {
      await source.start({
        frame: (frame) => {
          if (!current()) return;
          this.lastFrameAt = Date.now();
          this.framesRead++;
          if (this.state !== 'online') {
            this.backoffMs = initialBackoffMs(this.config); // a working source resets the backoff
            this.setState('online', {});
          }
          this.events.frame(this.config.id, frame);
        },
        end: (reason) => {
          if (current()) void this.fail(generation, reason, /^end of (file|folder)/.test(reason) && !this.config.loop);
        },
      });
    } catch (error) {
      if (current()) void this.fail(generation, (error as Error).message, false);
      return;
    }
    if (!current()) return void source.stop();
    const stallMs = this.config.stallTimeoutSec * 1000;
    const startMs = Math.max(stallMs, this.config.startTimeoutSec * 1000);
    const framesAtStart = this.framesRead;
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      const limit = this.framesRead === framesAtStart ? startMs : stallMs;
      if (current() && Date.now() - this.lastFrameAt > limit) void this.fail(generation, `no frame for ${limit / 1000} s (stalled)`, false);
    }, Math.min(1000, stallMs / 2));
    this.watchdog.unref();
  }

  /** Kills the source and schedules the next attempt; `final` (a file's end) stops instead. */
  private async fail(generation: number, reason: string, final: boolean): Promise<void> {
    if (generation !== this.generation || !this.running) return;
    this.generation++;
    clearInterval(this.watchdog);
    const source = this.source;
    this.source = undefined;
    await source?.stop();
    if (final) {
      this.running = false;
      this.setState('stopped', { reason });
      return;
    }
    const retryInMs = this.backoffMs;
    this.backoffMs = Math.min(BACKOFF.maxMs, this.backoffMs * BACKOFF.factor);
    this.setState('offline', { reason, retryInMs });
    this.retryTimer = setTimeout(() => {
      if (!this.running) return;
      this.restarts++;
      void this.launch();
    }, retryInMs);
  }
}
