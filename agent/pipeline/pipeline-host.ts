/**
 * The main process's side of the pipeline: starts the pipeline processes (pipeline-process.ts),
 * spreads cameras over them, feeds them with latest-frame-wins backpressure, and supervises them.
 *
 * Each camera has one slot holding its newest frame; a newer frame replaces (drops) an
 * unprocessed one, so the queue can never grow and the pipeline always works on the present. A
 * process gets the slots of all its cameras as one batch (face batching across cameras) whenever
 * it has fewer than IN_FLIGHT batches: the next batch waits in its channel while it works on one.
 *
 * Supervision: a process that exits (a crash, a native abort, kill -9, a failed model load) is
 * started again after a backoff that doubles up to BACKOFF.maxMs and resets only after the
 * process stayed up for BACKOFF.stableMs, so a process that cannot start never loops faster
 * than the backoff. Its cameras are reported down (then up again) through `on.pipeline`.
 * Events it had already decided were sent to the main process as they were decided (and are in
 * the outbox); open tracks of a crashed process are lost with it.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { ArcEdgeError, type RecognitionEvent } from '../../sdk/index.ts';
import type { SourceFrame } from '../sources/frame-source.ts';
import type { BatchStats, FrameMessage, FromWorker, ServingInfo, ToWorker, WorkerInit } from './messages.ts';
import type { RpcMethod, RpcParams, RpcResult } from './rpc.ts';
import { forkPipelineProcess } from './pipeline-process.ts';
import { FrameSlotWriter } from './frame-slots.ts';

/**
 * Batches a process may have at once: the one it works on and the next, already copied into its
 * channel, so it never waits for the main thread between two frames (bench: the ping-pong gap,
 * serialize + pipe + deserialize of one frame, was 2-10 ms per frame on a 20 ms detector). The
 * waiting batch is at most one batch older than the newest frame; latest-frame-wins still holds
 * in the main process's slots.
 */
export const IN_FLIGHT = 2;

export const PIPELINE_BACKOFF = { initialMs: 500, factor: 2, maxMs: 30_000, stableMs: 60_000 } as const;

export interface PipelineHostEvents {
  /** Decided events, with face JPEG bytes by event id for the cameras that keep snapshots. */
  events(events: readonly RecognitionEvent[], snapshots?: Readonly<Record<string, Uint8Array>>, frames?: Readonly<Record<string, Uint8Array>>): void;
  batch(stats: BatchStats, frames: readonly { camera: string; ts: number }[]): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
  /** A frame's buffer may be reused by its source: replaced unprocessed, or already copied to a process. */
  dropped?(camera: string, frame: SourceFrame): void;
  /**
   * A pipeline process went down (its cameras get no recognition until it is back) or came up
   * again. `building`: a process is loading its models.
   */
  pipeline?(cameras: readonly string[], state: 'down' | 'up' | 'building', detail: { reason?: string; retryInMs?: number }): void;
}

interface Slot {
  frame: SourceFrame | undefined;
  lastSentMs: number;
  dropped: number;
  processed: number;
  readonly intervalMs: number;
}

interface ProcessHandle {
  readonly index: number;
  readonly cameras: string[];
  child: ChildProcess | undefined;
  /** Batches sent and not answered yet (at most IN_FLIGHT), oldest first: the cameras and capture times of each. */
  readonly inFlight: { camera: string; ts: number }[][];
  ready: boolean;
  readyAt: number;
  restarts: number;
  backoffMs: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** Why the last start failed (init-failed), for the cameras' error status. */
  lastError: { message: string; fix: string } | undefined;
  /** Starts in a row that ended in init-failed (reset when one is ready): calls fail fast meanwhile. */
  failedStarts: number;
  /** Calls waiting for this process to be ready (its first start, or a restart after a crash). */
  whenReady: (() => void)[];
}

interface PendingCall {
  readonly handle: ProcessHandle;
  readonly method: RpcMethod;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  readonly timer: NodeJS.Timeout;
}

/** Intra-op threads per process when the config sets none: the cores shared out, at least 1. */
export function threadsPerProcess(processes: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, processes)));
}

export class PipelineHost {
  readonly slots = new Map<string, Slot>();
  private readonly handles: ProcessHandle[] = [];
  private readonly pending = new Map<number, PendingCall>();
  private rpcCounter = 0;
  private readonly readyWaiters = new Map<ProcessHandle, { resolve: () => void; reject: (e: unknown) => void }>();
  private stopping = false;
  private held = false;
  private readonly slotWriter = new FrameSlotWriter();
  private servingNow: { threshold: number; models: Record<string, string>; serving: ServingInfo | undefined } = { threshold: 0, models: {}, serving: undefined };

  get threshold(): number {
    return this.servingNow.threshold;
  }

  get models(): Record<string, string> {
    return this.servingNow.models;
  }

  /** The detector's input width, as the first process to be ready reported it (the cameras' default frame width). */
  detectorInputWidth: number | undefined;

  /** The serving recognizer and gallery, as the first process last reported them. */
  get serving(): ServingInfo | undefined {
    return this.servingNow.serving;
  }

  /** What serves changed outside a process start (a model apply, a gallery push, enroll/forget): the one writer of it. */
  servingChanged(update: { threshold?: number; models?: Record<string, string>; serving?: ServingInfo }): void {
    this.servingNow = { ...this.servingNow, ...update };
  }

  /** The current subscribers (subscribe()); a reload hands the host from one Agent to the next. */
  private readonly listeners = new Set<PipelineHostEvents>();
  /** Events that came while nobody was subscribed (between a reload's two Agents), for the next subscriber. */
  private readonly unheard: { events: readonly RecognitionEvent[]; snapshots?: Readonly<Record<string, Uint8Array>>; frames?: Readonly<Record<string, Uint8Array>> }[] = [];
  /** Fans every host event out to the subscribers: the one `on` the rest of this class calls. */
  private readonly on: Required<PipelineHostEvents> = {
    events: (events, snapshots, frames) => {
      if (this.listeners.size === 0) this.unheard.push({ events, snapshots, frames });
      else this.listeners.forEach((l) => l.events(events, snapshots, frames));
    },
    batch: (stats, frames) => this.listeners.forEach((l) => l.batch(stats, frames)),
    log: (level, msg, fields) => this.listeners.forEach((l) => l.log(level, msg, fields)),
    dropped: (camera, frame) => this.listeners.forEach((l) => l.dropped?.(camera, frame)),
    pipeline: (cameras, state, detail) => this.listeners.forEach((l) => l.pipeline?.(cameras, state, detail)),
  };

  constructor(
    private init: WorkerInit,
    private readonly processCount: number,
    intervals: ReadonlyMap<string, number>,
  ) {
    this.setSlots(init, intervals);
  }

  /**
   * Receives the host's events until the returned function is called. The reload command keeps
   * the processes running and hands the host to a new Agent: the old one unsubscribes in stop(),
   * the new one subscribes in start(), so no owner rewrites another object's handlers.
   */
  subscribe(listener: PipelineHostEvents): () => void {
    this.listeners.add(listener);
    // Decided events that arrived between two owners (a reload's track_end events) are not lost.
    for (const e of this.unheard.splice(0)) listener.events(e.events, e.snapshots, e.frames);
    return () => void this.listeners.delete(listener);
  }

  private setSlots(init: WorkerInit, intervals: ReadonlyMap<string, number>): void {
    this.slots.clear();
    for (const camera of init.cameras) this.slots.set(camera.id, { frame: undefined, lastSentMs: 0, dropped: 0, processed: 0, intervalMs: intervals.get(camera.id) ?? 0 });
  }

  /**
   * Starts the processes and waits until every one has loaded its models. Rejects with the
   * first failure; the supervisor keeps restarting a failed process with backoff all the same.
   */
  async start(): Promise<void> {
    const count = Math.max(1, this.processCount);
    const groups = this.groups(count);
    const waits: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const handle: ProcessHandle = { index, cameras: groups[index]!, child: undefined, inFlight: [], ready: false, readyAt: 0, restarts: 0, backoffMs: PIPELINE_BACKOFF.initialMs, restartTimer: undefined, lastError: undefined, failedStarts: 0, whenReady: [] };
      this.handles.push(handle);
      waits.push(this.waitReady(handle));
      this.spawn(handle);
    }
    await Promise.all(waits);
  }

  private waitReady(handle: ProcessHandle): Promise<void> {
    return new Promise((resolve, reject) => this.readyWaiters.set(handle, { resolve, reject }));
  }

  private spawn(handle: ProcessHandle): void {
    let child: ChildProcess;
    try {
      child = forkPipelineProcess();
    } catch (error) {
      this.onExit(handle, undefined, (error as Error).message);
      return;
    }
    handle.child = child;
    handle.inFlight.length = 0;
    handle.ready = false;
    child.on('message', (message: FromWorker) => {
      if (handle.child === child) this.onMessage(handle, message);
    });
    child.on('error', (error) => this.on.log('warn', 'pipeline process error', { process: handle.index, error: error.message }));
    // 'close', not 'exit': it comes after the IPC channel drained, so an init-failed sent just
    // before exiting has been handled and its reason goes into the cameras' status.
    child.once('close', (code, signal) => {
      if (handle.child === child) this.onExit(handle, signal ?? undefined, signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
    this.on.log('info', 'pipeline process started', { process: handle.index, pid: child.pid, cameras: handle.cameras, restarts: handle.restarts });
    this.post(handle, { type: 'init', init: this.initFor(handle.cameras) });
  }

  private onExit(handle: ProcessHandle, _signal: string | undefined, how: string): void {
    handle.child = undefined;
    handle.ready = false;
    handle.inFlight.length = 0;
    for (const [id, call] of this.pending) {
      if (call.handle !== handle) continue;
      this.pending.delete(id);
      clearTimeout(call.timer);
      call.reject(new ArcEdgeError('BACKEND_RUN_FAILED', `the pipeline process ${how} during ${call.method}`, { fix: 'retry once the pipeline is back (the camera status says online)' }));
    }
    if (this.stopping) return;
    const reason = handle.lastError ? `pipeline process ${how}: ${handle.lastError.message} (fix: ${handle.lastError.fix})` : `pipeline process ${how}`;
    const waiter = this.readyWaiters.get(handle);
    if (waiter) {
      this.readyWaiters.delete(handle);
      waiter.reject(handle.lastError ? new ArcEdgeError('BACKEND_LOAD_FAILED', handle.lastError.message, { fix: handle.lastError.fix }) : new ArcEdgeError('BACKEND_LOAD_FAILED', reason, { fix: 'see the agent log; the pipeline is restarted with backoff' }));
    }
    if (handle.readyAt > 0 && Date.now() - handle.readyAt >= PIPELINE_BACKOFF.stableMs) handle.backoffMs = PIPELINE_BACKOFF.initialMs;
    const retryInMs = handle.backoffMs;
    handle.backoffMs = Math.min(PIPELINE_BACKOFF.maxMs, handle.backoffMs * PIPELINE_BACKOFF.factor);
    handle.readyAt = 0;
    this.on.log('error', 'pipeline process down', { process: handle.index, reason, retryInMs, restarts: handle.restarts });
    this.on.pipeline(handle.cameras, 'down', { reason, retryInMs });
    handle.restartTimer = setTimeout(() => {
      handle.restartTimer = undefined;
      if (this.stopping) return;
      handle.restarts++;
      handle.lastError = undefined;
      this.spawn(handle);
    }, retryInMs);
  }

  /**
   * A new config (the reload command) on the same processes: each re-creates its pipeline only
   * when the models changed, and rebuilds its trackers.
   */
  async configure(init: WorkerInit, intervals: ReadonlyMap<string, number>): Promise<void> {
    this.init = init;
    this.setSlots(init, intervals);
    const groups = this.groups(this.handles.length);
    await Promise.all(
      this.handles.map((handle, i) => {
        handle.cameras.splice(0, handle.cameras.length, ...groups[i]!);
        if (!handle.child) return Promise.resolve(); // restarting: it starts with the new init
        handle.ready = false;
        const wait = this.waitReady(handle);
        this.post(handle, { type: 'configure', init: this.initFor(groups[i]!) });
        return wait;
      }),
    );
  }

  /** The recognizer a restarted process loads (after a model apply committed another one). */
  setRecognizer(recognizer: WorkerInit['recognizer']): void {
    this.init = { ...this.init, recognizer };
  }

  /** Processes (each one slot of `worker` in call()). */
  get workerThreads(): number {
    return this.handles.length;
  }

  /** Pipeline process restarts since start, all processes together (metrics). */
  get restarts(): number {
    return this.handles.reduce((n, h) => n + h.restarts, 0);
  }

  /** Per process: pid (undefined while restarting), ready, restarts, cameras. */
  processes(): { pid: number | undefined; ready: boolean; restarts: number; cameras: readonly string[] }[] {
    return this.handles.map((h) => ({ pid: h.child?.pid, ready: h.ready, restarts: h.restarts, cameras: [...h.cameras] }));
  }

  /** True when the process serving `camera` is up. */
  cameraServed(camera: string): boolean {
    return this.handles.find((h) => h.cameras.includes(camera))?.ready ?? false;
  }

  private groups(count: number): string[][] {
    const groups: string[][] = Array.from({ length: count }, () => []);
    this.init.cameras.forEach((c, i) => groups[i % count]!.push(c.id));
    return groups;
  }

  private initFor(cameras: readonly string[]): WorkerInit {
    const inference = this.init.inference ?? {};
    const threads = inference.backend?.threads ?? threadsPerProcess(this.handles.length || this.processCount);
    return { ...this.init, inference: { ...inference, backend: { ...inference.backend, threads } }, cameras: this.init.cameras.filter((c) => cameras.includes(c.id)) };
  }

  private post(handle: ProcessHandle, message: ToWorker): boolean {
    const child = handle.child;
    if (!child?.connected) return false;
    try {
      child.send(message);
      return true;
    } catch (error) {
      this.on.log('warn', 'pipeline process unreachable', { process: handle.index, error: (error as Error).message });
      return false;
    }
  }

  /** Latest-frame-wins: the camera's slot keeps only the newest frame. */
  offer(camera: string, frame: SourceFrame): void {
    const slot = this.slots.get(camera);
    if (!slot) return;
    const replaced = slot.frame;
    slot.frame = frame;
    if (replaced) {
      slot.dropped++;
      this.on.dropped(camera, replaced);
    }
    const handle = this.handles.find((w) => w.cameras.includes(camera));
    if (handle) this.pump(handle);
  }

  cameraStopped(camera: string): void {
    const slot = this.slots.get(camera);
    if (slot) slot.frame = undefined;
    const handle = this.handles.find((w) => w.cameras.includes(camera));
    if (handle) this.post(handle, { type: 'camera-stopped', camera });
  }

  /**
   * Stops handing out frames and resolves once no process is in a batch: what runs until
   * release() (a gallery file swap) happens between frames for every process at once.
   */
  async hold(): Promise<void> {
    this.held = true;
    while (this.handles.some((w) => w.inFlight.length > 0)) await new Promise((r) => setTimeout(r, 5));
  }

  release(): void {
    this.held = false;
    for (const handle of this.handles) this.pump(handle);
  }

  private pump(handle: ProcessHandle): void {
    if (!handle.ready || handle.inFlight.length >= IN_FLIGHT || this.held) return;
    const now = Date.now();
    const frames: FrameMessage[] = [];
    const sent: { camera: string; frame: SourceFrame }[] = [];
    for (const camera of handle.cameras) {
      const slot = this.slots.get(camera)!;
      if (!slot.frame || now - slot.lastSentMs < slot.intervalMs) continue;
      const f = slot.frame;
      slot.frame = undefined;
      slot.lastSentMs = now;
      slot.processed++;
      const shared = this.slotWriter.write(handle.index, camera, f.data);
      frames.push({ camera, width: f.width, height: f.height, ts: f.ts, ...(shared ? { slot: shared } : { data: f.data }) });
      sent.push({ camera, frame: f });
    }
    if (frames.length === 0) {
      // Frames held back by detectIntervalMs: look again when the earliest becomes due.
      const waits = handle.cameras.map((c) => this.slots.get(c)!).filter((s) => s.frame).map((s) => s.intervalMs - (now - s.lastSentMs));
      if (waits.length > 0) setTimeout(() => this.pump(handle), Math.max(1, Math.min(...waits))).unref();
      return;
    }
    if (!this.post(handle, { type: 'frames', frames })) return;
    handle.inFlight.push(frames.map((f) => ({ camera: f.camera, ts: f.ts })));
    // The pixels are in a slot or serialized into the channel already: the source may reuse the buffers.
    for (const s of sent) this.on.dropped(s.camera, s.frame);
  }

  private onMessage(handle: ProcessHandle, message: FromWorker): void {
    switch (message.type) {
      case 'building':
        this.on.pipeline(handle.cameras, 'building', {});
        break;
      case 'ready': {
        const wasRestart = handle.restarts > 0 && handle.readyAt === 0;
        handle.ready = true;
        handle.inFlight.length = 0;
        handle.readyAt = Date.now();
        handle.lastError = undefined;
        handle.failedStarts = 0;
        for (const wake of handle.whenReady.splice(0)) wake();
        this.servingNow = { threshold: message.threshold, models: message.models, serving: handle === this.handles[0] ? message.serving : this.servingNow.serving };
        this.detectorInputWidth ??= message.detectorInputWidth;
        this.readyWaiters.get(handle)?.resolve();
        this.readyWaiters.delete(handle);
        if (wasRestart) this.on.log('info', 'pipeline process back', { process: handle.index, restarts: handle.restarts });
        this.on.pipeline(handle.cameras, 'up', {});
        this.pump(handle);
        break;
      }
      case 'init-failed':
        // The process exits next; onExit reports it and schedules the restart.
        handle.lastError = { message: message.error.message, fix: message.error.fix };
        handle.failedStarts++;
        for (const wake of handle.whenReady.splice(0)) wake(); // they fail fast now
        this.on.log('error', 'pipeline could not start', { process: handle.index, error: message.error });
        break;
      case 'batch-done':
        if (!handle.ready) break; // a batch from before a configure(): its cameras are gone
        {
          const batch = handle.inFlight.shift() ?? [];
          if (message.events.length > 0) this.on.events(message.events, message.snapshots, message.frames);
          this.on.batch(message.stats, batch);
        }
        this.pump(handle);
        break;
      case 'events':
        this.on.events(message.events);
        break;
      case 'rpc-result': {
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        clearTimeout(call.timer);
        if (message.ok) call.resolve(message.result);
        else call.reject(new ArcEdgeError(message.error.code as 'INVALID_ARGUMENT', message.error.message, { fix: message.error.fix, ...(message.error.details ? { details: message.error.details } : {}) }));
        break;
      }
      case 'log':
        this.on.log(message.level, message.msg, { process: handle.index, ...message.fields });
        break;
      case 'stopped':
        break;
    }
  }

  /**
   * Calls `method` in the process owning `camera` (or process number `worker`; default: the
   * first), with a timeout. A process still loading its models (the device is online before
   * they load) or restarting after a crash is waited for, up to `waitReadyMs` (default 90 s);
   * one whose models cannot load answers BACKEND_DISPOSED at once.
   */
  async call<M extends RpcMethod>(method: M, params: RpcParams<M>, options: { camera?: string; worker?: number; timeoutMs?: number; waitReadyMs?: number } = {}): Promise<RpcResult<M>> {
    const handle = options.worker !== undefined ? this.handles[options.worker] : (options.camera && this.handles.find((w) => w.cameras.includes(options.camera!))) || this.handles[0];
    const notRunning = () =>
      new ArcEdgeError('BACKEND_DISPOSED', handle?.lastError ? `the pipeline cannot start: ${handle.lastError.message}` : 'the pipeline is not running (loading models or restarting)', {
        fix: handle?.lastError?.fix ?? 'retry in a few seconds; the camera status says online again when it is back',
      });
    if (!handle) throw notRunning();
    if (!handle.ready) {
      const waitMs = options.waitReadyMs ?? 90_000;
      if (handle.failedStarts > 0 || this.stopping || waitMs <= 0) throw notRunning();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          handle.whenReady = handle.whenReady.filter((w) => w !== wake);
          resolve();
        }, waitMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        handle.whenReady.push(wake);
      });
      if (!handle.ready) throw notRunning();
    }
    const id = ++this.rpcCounter;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ArcEdgeError('BACKEND_RUN_FAILED', `the pipeline did not answer ${method} within ${(options.timeoutMs ?? 30000) / 1000} s`, { fix: 'retry; the metrics topic shows whether the pipeline is overloaded' }));
      }, options.timeoutMs ?? 30000);
      this.pending.set(id, { handle, method, resolve: resolve as (v: unknown) => void, reject, timer });
      if (!this.post(handle, { type: 'rpc', id, method, params })) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new ArcEdgeError('BACKEND_DISPOSED', 'the pipeline is not running (restarting)', { fix: 'retry in a few seconds' }));
      }
    });
  }

  /** Tells every other process to re-read the gallery (after enroll/forget in one of them). */
  async refreshOthers(except: string | undefined): Promise<void> {
    const owner = (except && this.handles.find((w) => w.cameras.includes(except))) || this.handles[0];
    await Promise.all(this.handles.filter((w) => w !== owner && w.ready).map((w) => this.call('refreshGallery', {}, { worker: w.index })));
  }

  /** Ends every track (track_end events are delivered first) and stops the processes. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const handle of this.handles) {
      clearTimeout(handle.restartTimer);
      for (const wake of handle.whenReady.splice(0)) wake();
    }
    for (const [, waiter] of this.readyWaiters) waiter.reject(new ArcEdgeError('BACKEND_DISPOSED', 'the agent is stopping'));
    this.readyWaiters.clear();
    await Promise.all(
      this.handles.map((handle) => {
        const child = handle.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          if (!this.post(handle, { type: 'stop' })) child.kill('SIGTERM');
        });
      }),
    );
    this.handles.length = 0;
    this.slotWriter.close();
  }
}
