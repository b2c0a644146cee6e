/**
 * The main thread's side of the pipeline: starts the worker threads, spreads cameras over them,
 * and feeds them with latest-frame-wins backpressure. Each camera has one slot holding its newest
 * frame; a newer frame replaces (drops) an unprocessed one, so the queue can never grow and the
 * pipeline always works on the present. A worker gets the slots of all its cameras as one batch
 * when it finishes the previous one (face batching across cameras).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ArcEdgeError, type RecognitionEvent } from '../../sdk/index.ts';
import type { SourceFrame } from '../sources/frame-source.ts';
import type { BatchStats, FrameMessage, FromWorker, RpcMethod, ServingInfo, ToWorker, WorkerInit } from './messages.ts';

export interface PipelineHostEvents {
  events(events: readonly RecognitionEvent[]): void;
  batch(stats: BatchStats, frames: readonly { camera: string; ts: number }[]): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
  /** A frame replaced before it was processed: its buffer may be reused by its source. */
  dropped?(camera: string, frame: SourceFrame): void;
}

interface Slot {
  frame: SourceFrame | undefined;
  lastSentMs: number;
  dropped: number;
  processed: number;
  readonly intervalMs: number;
}

interface WorkerHandle {
  readonly worker: Worker;
  readonly cameras: string[];
  busy: boolean;
  ready: boolean;
}

/** dist/bin/arcedge-agent-worker.js when bundled, worker.ts beside this file in a checkout. */
function workerEntry(): URL {
  if (import.meta.url.endsWith('.ts')) return new URL('./worker.ts', import.meta.url);
  const here = dirname(fileURLToPath(import.meta.url));
  const found = [join(here, 'arcedge-agent-worker.js'), join(here, '..', 'arcedge-agent-worker.js')].find((p) => existsSync(p));
  if (!found) throw new ArcEdgeError('BACKEND_LOAD_FAILED', `the pipeline worker script is missing next to ${here}`, { fix: 'reinstall arcedge (npm run build produces dist/bin/arcedge-agent-worker.js)' });
  return new URL(`file://${found}`);
}

/**
 * In a checkout the worker is TypeScript. tsx's loader is registered per thread and a worker
 * does not inherit it (nor does it accept --import in execArgv), so a one-line bootstrap
 * registers tsx's ESM loader in the worker and then imports the real entry.
 */
function spawnWorker(entry: URL, workerData: WorkerInit): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export class PipelineHost {
  readonly slots = new Map<string, Slot>();
  private readonly workers: WorkerHandle[] = [];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private rpcCounter = 0;
  private readonly readyWaiters = new Map<WorkerHandle, { resolve: () => void; reject: (e: unknown) => void }>();
  threshold = 0;
  models: Record<string, string> = {};
  /** The serving recognizer and gallery, as the first worker last reported them. */
  serving: ServingInfo | undefined;

  constructor(
    private init: WorkerInit,
    private readonly workerCount: number,
    intervals: ReadonlyMap<string, number>,
    public on: PipelineHostEvents,
  ) {
    for (const camera of init.cameras) this.slots.set(camera.id, { frame: undefined, lastSentMs: 0, dropped: 0, processed: 0, intervalMs: intervals.get(camera.id) ?? 0 });
  }

  /** Starts the workers and waits until every one has loaded its models. */
  async start(): Promise<void> {
    const count = Math.max(1, this.workerCount);
    const entry = workerEntry();
    const groups = this.groups(count);
    await Promise.all(
      groups.map(
        (cameras) =>
          new Promise<void>((resolve, reject) => {
            const worker = spawnWorker(entry, this.initFor(cameras));
            const handle: WorkerHandle = { worker, cameras, busy: false, ready: false };
            this.workers.push(handle);
            this.readyWaiters.set(handle, { resolve, reject });
            worker.on('message', (message: FromWorker) => this.onMessage(handle, message));
            worker.on('error', (error) => {
              this.on.log('error', 'pipeline worker crashed', { error: String(error) });
              this.readyWaiters.get(handle)?.reject(error);
            });
          }),
      ),
    );
  }

  /**
   * A new config (the reload command) on the same workers. Worker threads are never restarted:
   * the OpenCV binding cannot be loaded again in a new thread once a thread that loaded it has
   * exited (V8 aborts in Mat::Init). Each worker re-creates its pipeline only when the models
   * changed, and rebuilds its trackers.
   */
  async configure(init: WorkerInit, intervals: ReadonlyMap<string, number>): Promise<void> {
    this.init = init;
    this.slots.clear();
    for (const camera of init.cameras) this.slots.set(camera.id, { frame: undefined, lastSentMs: 0, dropped: 0, processed: 0, intervalMs: intervals.get(camera.id) ?? 0 });
    const groups = this.groups(this.workers.length);
    await Promise.all(
      this.workers.map(
        (handle, i) =>
          new Promise<void>((resolve, reject) => {
            handle.cameras.splice(0, handle.cameras.length, ...groups[i]!);
            handle.ready = false;
            this.readyWaiters.set(handle, { resolve, reject });
            handle.worker.postMessage({ type: 'configure', init: this.initFor(groups[i]!) } satisfies ToWorker);
          }),
      ),
    );
  }

  get workerThreads(): number {
    return this.workers.length;
  }

  private groups(count: number): string[][] {
    const groups: string[][] = Array.from({ length: count }, () => []);
    this.init.cameras.forEach((c, i) => groups[i % count]!.push(c.id));
    return groups;
  }

  private initFor(cameras: readonly string[]): WorkerInit {
    return { ...this.init, cameras: this.init.cameras.filter((c) => cameras.includes(c.id)) };
  }

  /** Latest-frame-wins: the camera's slot keeps only the newest frame. */
  offer(camera: string, frame: SourceFrame): void {
    const slot = this.slots.get(camera);
    if (!slot) return;
    const replaced = slot.frame;
    slot.frame = frame;
    if (replaced) {
      slot.dropped++;
      this.on.dropped?.(camera, replaced);
    }
    const handle = this.workers.find((w) => w.cameras.includes(camera));
    if (handle) this.pump(handle);
  }

  cameraStopped(camera: string): void {
    const slot = this.slots.get(camera);
    if (slot) slot.frame = undefined;
    this.workers.find((w) => w.cameras.includes(camera))?.worker.postMessage({ type: 'camera-stopped', camera } satisfies ToWorker);
  }

  /**
   * Stops handing out frames and resolves once no worker is in a batch: what runs until
   * release() (a gallery file swap) happens between frames for every worker at once.
   */
  async hold(): Promise<void> {
    this.held = true;
    while (this.workers.some((w) => w.busy)) await new Promise((r) => setTimeout(r, 5));
  }

  release(): void {
    this.held = false;
    for (const handle of this.workers) this.pump(handle);
  }

  private held = false;

  private pump(handle: WorkerHandle): void {
    if (!handle.ready || handle.busy || this.held) return;
    const now = Date.now();
    const frames: FrameMessage[] = [];
    for (const camera of handle.cameras) {
      const slot = this.slots.get(camera)!;
      if (!slot.frame || now - slot.lastSentMs < slot.intervalMs) continue;
      const f = slot.frame;
      slot.frame = undefined;
      slot.lastSentMs = now;
      slot.processed++;
      // A Uint8Array from a pipe chunk may view a larger buffer: send exactly its bytes.
      const buffer = f.data.byteOffset === 0 && f.data.byteLength === f.data.buffer.byteLength ? (f.data.buffer as ArrayBuffer) : (f.data.slice().buffer as ArrayBuffer);
      frames.push({ camera, width: f.width, height: f.height, ts: f.ts, buffer });
    }
    if (frames.length === 0) {
      // Frames held back by detectIntervalMs: look again when the earliest becomes due.
      const waits = handle.cameras.map((c) => this.slots.get(c)!).filter((s) => s.frame).map((s) => s.intervalMs - (now - s.lastSentMs));
      if (waits.length > 0) setTimeout(() => this.pump(handle), Math.max(1, Math.min(...waits))).unref();
      return;
    }
    handle.busy = true;
    handle.worker.postMessage({ type: 'frames', frames } satisfies ToWorker, frames.map((f) => f.buffer));
    (handle as { lastBatch?: { camera: string; ts: number }[] }).lastBatch = frames.map((f) => ({ camera: f.camera, ts: f.ts }));
  }

  private onMessage(handle: WorkerHandle, message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        handle.ready = true;
        handle.busy = false;
        this.threshold = message.threshold;
        this.models = message.models;
        if (handle === this.workers[0]) this.serving = message.serving;
        this.readyWaiters.get(handle)?.resolve();
        this.readyWaiters.delete(handle);
        this.pump(handle);
        break;
      case 'init-failed':
        this.readyWaiters.get(handle)?.reject(new ArcEdgeError(message.error.code as 'BACKEND_LOAD_FAILED', message.error.message, { fix: message.error.fix }));
        this.readyWaiters.delete(handle);
        break;
      case 'batch-done':
        if (!handle.ready) break; // a batch from before a configure(): its cameras are gone
        handle.busy = false;
        if (message.events.length > 0) this.on.events(message.events);
        this.on.batch(message.stats, (handle as { lastBatch?: { camera: string; ts: number }[] }).lastBatch ?? []);
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
        this.on.log(message.level, message.msg, message.fields);
        break;
    }
  }

  /** Calls `method` on the worker owning `camera` (or worker number `worker`; default: the first), with a timeout. */
  call(method: RpcMethod, params: unknown, options: { camera?: string; worker?: number; timeoutMs?: number; transfer?: ArrayBuffer[] } = {}): Promise<unknown> {
    const handle = options.worker !== undefined ? this.workers[options.worker] : (options.camera && this.workers.find((w) => w.cameras.includes(options.camera!))) || this.workers[0];
    if (!handle) return Promise.reject(new ArcEdgeError('BACKEND_DISPOSED', 'the pipeline is not running'));
    const id = ++this.rpcCounter;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ArcEdgeError('BACKEND_RUN_FAILED', `the pipeline did not answer ${method} within ${(options.timeoutMs ?? 30000) / 1000} s`, { fix: 'retry; the metrics topic shows whether the pipeline is overloaded' }));
      }, options.timeoutMs ?? 30000);
      this.pending.set(id, { resolve, reject, timer });
      handle.worker.postMessage({ type: 'rpc', id, method, params } satisfies ToWorker, options.transfer ?? []);
    });
  }

  /** Tells every other worker to re-read the gallery (after enroll/forget on one of them). */
  async refreshOthers(except: string | undefined): Promise<void> {
    const owner = (except && this.workers.find((w) => w.cameras.includes(except))) || this.workers[0];
    await Promise.all(this.workers.filter((w) => w !== owner).map((w) => this.call('refreshGallery', {}, { camera: w.cameras[0] })));
  }

  /** Ends every track (track_end events are delivered first) and stops the workers. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (handle) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void handle.worker.terminate().then(() => resolve()), 10000);
            handle.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            handle.worker.postMessage({ type: 'stop' } satisfies ToWorker);
          }),
      ),
    );
    this.workers.length = 0;
  }
}
