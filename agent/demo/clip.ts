/**
 * Builds a video clip from photos: each photo shown for `showSec`, letterboxed on black, then
 * `gapSec` of black, so every photo is one "appearance" a tracker sees start and end. Photos are
 * decoded by ffmpeg (the agent process never loads OpenCV outside its pipeline worker) and piped
 * as raw BGR into a second ffmpeg that encodes H.264. The demo (`npm start`), the agent's
 * end-to-end tests and its bench use it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodePhotoWithFfmpeg } from '../sources/ffmpeg-image.ts';

export interface ClipOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly showSec: number;
  readonly gapSec: number;
  /** libx264 by default (H.264, what cameras send). */
  readonly codec: string;
  /** The black gap after each photo, when they differ (people following each other); default gapSec for all. */
  readonly gapsSec?: readonly number[];
}

export const CLIP_DEFAULTS: ClipOptions = { width: 640, height: 480, fps: 10, showSec: 1.5, gapSec: 1.0, codec: 'libx264' };

export interface Appearance {
  readonly photo: string;
  readonly startSec: number;
  readonly endSec: number;
}

/** Writes `out` (mp4) and returns each appearance's [start, end] in seconds. */
export async function buildClip(photos: readonly string[], out: string, options: Partial<ClipOptions> = {}): Promise<{ path: string; appearances: Appearance[]; durationSec: number }> {
  const o = { ...CLIP_DEFAULTS, ...options };
  mkdirSync(dirname(out), { recursive: true });
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${o.width}x${o.height}`, '-r', String(o.fps), '-i', 'pipe:0'];
  const ffmpeg = spawn('ffmpeg', [...args, '-c:v', o.codec, '-pix_fmt', 'yuv420p', '-g', String(o.fps), out], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<void>((resolve, reject) => {
    ffmpeg.once('error', reject);
    ffmpeg.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr.trim()}`))));
  });
  const write = (data: Uint8Array) => new Promise<void>((resolve, reject) => ffmpeg.stdin.write(data, (e) => (e ? reject(e) : resolve())));
  const black = new Uint8Array(o.width * o.height * 3);
  const appearances: Appearance[] = [];
  let frameIndex = 0;
  for (const [index, photo] of photos.entries()) {
    const gapSec = o.gapsSec?.[index] ?? o.gapSec;
    const frame = await decodePhotoWithFfmpeg(photo, o.width, o.height);
    appearances.push({ photo, startSec: frameIndex / o.fps, endSec: (frameIndex + Math.round(o.showSec * o.fps)) / o.fps });
    for (let i = 0; i < Math.round(o.showSec * o.fps); i++, frameIndex++) await write(frame);
    for (let i = 0; i < Math.round(gapSec * o.fps); i++, frameIndex++) await write(black);
  }
  ffmpeg.stdin.end();
  await done;
  return { path: out, appearances, durationSec: frameIndex / o.fps };
}
