/**
 * One photo as a BGR frame of a fixed size (letterboxed on black), decoded by an ffmpeg child.
 * The agent's main thread must never load the OpenCV binding: it is loaded by the pipeline
 * worker, and a second thread loading it corrupts its static handles (a segfault seen here when
 * the main thread decoded a photo after the worker had started).
 */
import { execFile } from 'node:child_process';
import { childEnv } from './child-env.ts';

export function decodePhotoWithFfmpeg(path: string, width: number, height: number): Promise<Uint8Array> {
  const filter = `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:black`;
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', path, '-vf', filter, '-frames:v', '1', '-pix_fmt', 'bgr24', '-f', 'rawvideo', 'pipe:1'];
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', args, { encoding: 'buffer', maxBuffer: width * height * 3 + 1024, timeout: 30_000, killSignal: 'SIGKILL', env: childEnv() }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`ffmpeg cannot decode ${path}: ${stderr.toString().trim().split('\n').pop() ?? error.message}`));
      if (stdout.length !== width * height * 3) return reject(new Error(`ffmpeg gave ${stdout.length} bytes for ${path}; expected ${width * height * 3}`));
      resolve(new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length));
    });
  });
}
