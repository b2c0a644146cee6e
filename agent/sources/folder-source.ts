/**
 * A folder of photos as a camera: each image, decoded in-process by the SDK (decoding a local
 * file cannot hang the way a network stream can), letterboxed to one frame size and delivered
 * at `fps`. Useful for demos and for testing a deployment without a camera.
 */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createFrame, readImage, resizeFrame, type Frame } from '../../sdk/index.ts';
import type { FrameSource, SourceHandlers } from './frame-source.ts';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.gif', '.pgm', '.ppm', '.pbm']);

/** The image scaled to fit width x height, centred on black (aspect ratio kept). */
export function letterbox(image: Frame, width: number, height: number): Frame {
  if (image.width === width && image.height === height) return image;
  const scale = Math.min(width / image.width, height / image.height);
  const w = Math.max(1, Math.round(image.width * scale));
  const h = Math.max(1, Math.round(image.height * scale));
  const resized = resizeFrame(image, w, h, scale < 1 ? 'area' : 'linear');
  const out = createFrame(width, height);
  const left = Math.floor((width - w) / 2);
  const top = Math.floor((height - h) / 2);
  for (let y = 0; y < h; y++) out.data.set(resized.data.subarray(y * w * 3, (y + 1) * w * 3), ((top + y) * width + left) * 3);
  return out;
}

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
        const frame = letterbox(await readImage(file), this.size.width, this.size.height);
        if (this.stopped) return;
        handlers.frame({ data: frame.data, width: frame.width, height: frame.height, ts: Date.now(), seq: seq++ });
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
