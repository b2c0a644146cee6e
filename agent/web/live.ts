/**
 * Annotated frames for the Live page. The worker draws and encodes a frame only when asked
 * (the snapshot RPC), and it is asked only while someone watches: one loop per watched camera,
 * shared by every viewer of it, stopped when the last one leaves. Nobody watching: no work.
 */
import type { CommandContext } from '../commands/handler.ts';

type Viewer = (jpeg: Buffer) => void;

export class LiveFrames {
  /** JPEGs encoded for viewers so far (the bench and tests read it: 0 while nobody watches). */
  encoded = 0;
  private readonly viewers = new Map<string, Set<Viewer>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ctx: Pick<CommandContext, 'snapshot'>,
    private readonly fps: number,
  ) {}

  get watching(): number {
    let n = 0;
    for (const set of this.viewers.values()) n += set.size;
    return n;
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
