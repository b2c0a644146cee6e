/**
 * Frames for the Live page: a plain JPEG with its faces as JSON (live.json, drawn by the
 * browser: any script, colours per state), or annotated JPEGs for MJPEG clients. The worker draws and encodes a frame only when asked
 * (the snapshot RPC), and it is asked only while someone watches: one loop per watched camera,
 * shared by every viewer of it, stopped when the last one leaves. Nobody watching: no work.
 */
import type { CommandContext } from '../commands/handler.ts';

type Viewer = (jpeg: Buffer) => void;

/** One face of a live frame, in the frame's pixels. */
export interface LiveFace {
  readonly trackId: number;
  readonly box: { x1: number; y1: number; x2: number; y2: number };
  readonly state: 'known' | 'unknown' | 'deciding';
  readonly personId: string | null;
  readonly name: string | null;
  readonly score: number | null;
}

export interface LiveFrame {
  readonly camera: string;
  readonly ts: string;
  readonly width: number;
  readonly height: number;
  /** Base64 JPEG, no boxes. */
  readonly jpeg: string;
  readonly faces: LiveFace[];
}

/** A poller counts as watching for this long after its last request. */
const POLLER_IDLE_MS = 2000;

export class LiveFrames {
  /** JPEGs encoded for viewers so far (the bench and tests read it: 0 while nobody watches). */
  encoded = 0;
  private readonly viewers = new Map<string, Set<Viewer>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** live.json: the last answer per camera, reused by every viewer within one frame period. */
  private readonly latest = new Map<string, { at: number; frame: Promise<LiveFrame> }>();

  constructor(
    private readonly ctx: Pick<CommandContext, 'snapshot'>,
    private readonly fps: number,
  ) {}

  get watching(): number {
    let n = 0;
    for (const set of this.viewers.values()) n += set.size;
    const now = Date.now();
    for (const l of this.latest.values()) if (now - l.at < POLLER_IDLE_MS) n += 1;
    return n;
  }

  /** The latest frame without boxes and its faces (live.json); one worker call per frame period. */
  json(camera: string): Promise<LiveFrame> {
    const now = Date.now();
    const cached = this.latest.get(camera);
    if (cached && now - cached.at < 1000 / this.fps) return cached.frame;
    const frame = this.ctx.snapshot(camera, false).then((r) => {
      this.encoded += 1;
      return r as LiveFrame;
    });
    this.latest.set(camera, { at: now, frame });
    frame.catch(() => this.latest.delete(camera));
    return frame;
  }

  /** One annotated JPEG of the camera's latest frame (frame.jpg). */
  async frame(camera: string): Promise<Buffer> {
    const result = (await this.ctx.snapshot(camera, true)) as { jpeg: string };
    this.encoded += 1;
    return Buffer.from(result.jpeg, 'base64');
  }

  /** Frames at `fps` until the returned function is called. */
  watch(camera: string, viewer: Viewer): () => void {
    let set = this.viewers.get(camera);
    if (!set) this.viewers.set(camera, (set = new Set()));
    set.add(viewer);
    if (!this.timers.has(camera)) this.loop(camera);
    return () => {
      set.delete(viewer);
      if (set.size === 0) {
        this.viewers.delete(camera);
        clearTimeout(this.timers.get(camera));
        this.timers.delete(camera);
      }
    };
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.viewers.clear();
    this.latest.clear();
  }

  private loop(camera: string): void {
    const started = Date.now();
    const tick = async () => {
      const viewers = this.viewers.get(camera);
      if (!viewers || viewers.size === 0) return;
      try {
        const jpeg = await this.frame(camera);
        for (const v of this.viewers.get(camera) ?? []) v(jpeg);
      } catch {
        // no frame yet or the pipeline is restarting: try again at the next tick
      }
      if (!this.viewers.has(camera)) return;
      const periodMs = 1000 / this.fps;
      this.timers.set(camera, setTimeout(() => void tick(), Math.max(0, periodMs - ((Date.now() - started) % periodMs))));
    };
    this.timers.set(camera, setTimeout(() => void tick(), 0));
  }
}
