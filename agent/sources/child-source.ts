/**
 * A FrameSource that runs a capture program (ffmpeg or gst-launch-1.0) writing raw BGR frames
 * to stdout. Capture lives in a child process because an in-process decoder can hang for good
 * after an RTSP reconnect (opencv#22677) and a hung native call cannot be cancelled; a child
 * can always be SIGKILLed. Frigate captures cameras the same way (ffmpeg -> pipe).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { FrameSource, SourceHandlers } from './frame-source.ts';
import { childEnv } from './child-env.ts';

export interface CaptureCommand {
  readonly program: string;
  readonly args: readonly string[];
}

export class ChildProcessSource implements FrameSource {
  readonly description: string;
  size: { width: number; height: number } | undefined;
  private child: ChildProcess | undefined;
  private stopped = false;
  private stderrTail = '';
  /** Buffers of dropped frames, reused for the next ones (a few: frames are dropped one at a time). */
  private readonly pool: Uint8Array[] = [];
  private frameBytes = 0;

  constructor(
    private readonly command: () => Promise<{ capture: CaptureCommand; width: number; height: number }>,
    description: string,
    /** Reason given when the program exits by itself with status 0 ("end of file" for clips). */
    private readonly cleanExitReason = 'stream ended',
  ) {
    this.description = description;
  }

  async start(handlers: SourceHandlers): Promise<void> {
    const { capture, width, height } = await this.command();
    if (this.stopped) return;
    this.size = { width, height };
    const frameBytes = width * height * 3;
    this.frameBytes = frameBytes;
    const child = spawn(capture.program, [...capture.args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    this.child = child;
    let frame: Uint8Array = new Uint8Array(frameBytes);
    let filled = 0;
    let seq = 0;
    let ended = false;
    const finish = (reason: string, error?: Error) => {
      if (ended || this.stopped) return;
      ended = true;
      handlers.end(reason, error);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      let offset = 0;
      while (offset < chunk.length && !this.stopped) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          const full = frame;
          frame = this.pool.pop() ?? new Uint8Array(frameBytes);
          filled = 0;
          handlers.frame({ data: full, width, height, ts: Date.now(), seq: seq++ });
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-600);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        reject(error);
        finish(`cannot run ${capture.program}: ${error.message}`, error);
      });
    });
    child.once('close', (code, signal) => {
      const tail = this.stderrTail.trim().split('\n').slice(-2).join(' | ');
      if (code === 0) return finish(this.cleanExitReason);
      finish(`${capture.program} exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`);
    });
  }

  recycle(data: Uint8Array): void {
    if (data.byteLength === this.frameBytes && data.byteOffset === 0 && data.buffer.byteLength === this.frameBytes && this.pool.length < 3) this.pool.push(data);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pool.length = 0;
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      // SIGKILL: a capture program stuck in a network read may ignore SIGTERM.
      child.kill('SIGKILL');
    });
  }
}
