/**
 * A folder of photos as a camera: each image letterboxed to one frame size and delivered at
 * `fps`. Useful for demos and for testing a deployment without a camera. Photos are decoded by
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
    options: { width: number; height: number; fps: number; loop: boolean },
  ) {
    this.description = `folder ${dir}`;
    this.size = { width: options.width, height: options.height };
    this.fps = options.fps;
    this.loop = options.loop;
  }

  private readonly fps: number;
  private readonly loop: boolean;

  async start(handlers: SourceHandlers): Promise<void> {
    const files = readdirSync(this.dir)
      .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
      .sort()
      .map((f) => join(this.dir, f));
    if (files.length === 0) throw new Error(`no images in ${this.dir}`);
    let index = 0;
    let seq = 0;
    const tick = async () => {
      if (this.stopped) return;
      if (index >= files.length) {
        if (!this.loop) return handlers.end('end of folder');
        index = 0;
      }
      const file = files[index++]!;
      try {
        const data = await decodePhotoWithFfmpeg(file, this.size.width, this.size.height);
        if (this.stopped) return;
        handlers.frame({ data, width: this.size.width, height: this.size.height, ts: Date.now(), seq: seq++ });
      } catch {
        // An unreadable photo is skipped; the folder stays a working camera.
      }
      if (!this.stopped) this.timer = setTimeout(tick, 1000 / this.fps);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
