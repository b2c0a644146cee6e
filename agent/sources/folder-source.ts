/**
 * A folder of photos as a camera: each image letterboxed to one frame size and shown for
 * `holdSec` (the same picture repeated at `fps`, as a camera would see a person standing still),
 * so a track collects tracking.minVotes votes and is decided: one photo per frame never reached
 * minVotes, and the folder camera never produced an event. Useful for demos and for testing a deployment without a camera. Photos are decoded by
 * an ffmpeg child (ffmpeg-image.ts), never by OpenCV on the main thread. ffmpeg does not apply
 * JPEG EXIF rotation: rotate such photos first.
 */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { decodePhotoWithFfmpeg } from './ffmpeg-image.ts';
import type { FrameSource, SourceHandlers } from './frame-source.ts';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.gif', '.pgm', '.ppm', '.pbm', '.tif', '.tiff']);

export class FolderSource implements FrameSource {
  readonly description: string;
  readonly size: { width: number; height: number };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dir: string,
    options: { width: number; height: number; fps: number; loop: boolean; holdSec: number },
  ) {
    this.description = `folder ${dir}`;
    this.size = { width: options.width, height: options.height };
    this.fps = options.fps;
    this.loop = options.loop;
    this.framesPerPhoto = Math.max(1, Math.round(options.holdSec * options.fps));
  }

  private readonly fps: number;
  private readonly loop: boolean;
  private readonly framesPerPhoto: number;

  async start(handlers: SourceHandlers): Promise<void> {
    const files = readdirSync(this.dir)
      .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
      .sort()
      .map((f) => join(this.dir, f));
    if (files.length === 0) throw new Error(`no images in ${this.dir}`);
    let index = 0;
    let seq = 0;
    let current: Uint8Array | undefined;
    let shown = 0;
    const tick = async () => {
      if (this.stopped) return;
      if (current && shown === this.framesPerPhoto) {
        // One empty frame between two photos: the person left. Without it two photos of people
        // standing at the same spot would read as one person, as a cut in a video would.
        shown++;
        handlers.frame({ data: new Uint8Array(current.length), width: this.size.width, height: this.size.height, ts: Date.now(), seq: seq++ });
        this.timer = setTimeout(tick, 1000 / this.fps);
        return;
      }
      if (!current || shown > this.framesPerPhoto) {
        current = undefined;
        shown = 0;
        if (index >= files.length) {
          if (!this.loop) return handlers.end('end of folder');
          index = 0;
        }
        try {
          current = await decodePhotoWithFfmpeg(files[index++]!, this.size.width, this.size.height);
        } catch {
          // An unreadable photo is skipped; the folder stays a working camera.
        }
        if (this.stopped) return;
      }
      if (current) {
        shown++;
        // A copy per frame: the receiver owns each frame's buffer (frame-source.ts).
        handlers.frame({ data: current.slice(), width: this.size.width, height: this.size.height, ts: Date.now(), seq: seq++ });
      }
      if (!this.stopped) this.timer = setTimeout(tick, current ? 1000 / this.fps : 0);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
