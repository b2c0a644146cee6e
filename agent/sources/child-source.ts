/**
 * A FrameSource that runs a capture program (ffmpeg or gst-launch-1.0) writing raw BGR frames
 * to file descriptor 3, a fourth stdio pipe of their own (FRAME_FD below): the
 * programs and NVIDIA's GStreamer elements print text on stdout, which is read here as
 * diagnostics only, so no stray line can shift the frame stream. Capture lives in a child process because an in-process decoder can hang for good
 * after an RTSP reconnect (opencv#22677) and a hung native call cannot be cancelled; a child
 * can always be SIGKILLed. Frigate captures cameras the same way (ffmpeg -> pipe).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { FrameSource, SourceHandlers } from './frame-source.ts';
import { childEnv } from './child-env.ts';

/** The child's descriptor that carries the frames (spawned with a fourth stdio pipe). */
export const FRAME_FD = 3;

export interface CaptureCommand {
  readonly program: string;
  readonly args: readonly string[];
}

export interface StopPolicy {
  /** First signal on stop(); SIGKILL follows after graceMs if the program is still running. */
  readonly signal: NodeJS.Signals;
  readonly graceMs: number;
}

/** Most capture programs: SIGKILL at once (one stuck in a network read may ignore SIGTERM). */
export const KILL_AT_ONCE: StopPolicy = { signal: 'SIGKILL', graceMs: 0 };

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
    private readonly stopPolicy: StopPolicy = KILL_AT_ONCE,
  ) {
    this.description = description;
  }

  async start(handlers: SourceHandlers): Promise<void> {
    const { capture, width, height } = await this.command();
    if (this.stopped) return;
    this.size = { width, height };
    const frameBytes = width * height * 3;
    this.frameBytes = frameBytes;
    // fd 3: the frames; stdout and stderr: text, kept for the exit reason.
    const child = spawn(capture.program, [...capture.args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: childEnv() });
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
    const frames = child.stdio[FRAME_FD] as Readable;
    frames.on('error', () => undefined); // the child's exit is what reports a failure
    frames.on('data', (chunk: Buffer) => {
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
    const keepText = (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-600);
    };
    child.stdout!.on('data', keepText);
    child.stderr!.on('data', keepText);
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
      let timer: NodeJS.Timeout | undefined;
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(this.stopPolicy.signal);
      if (this.stopPolicy.signal !== 'SIGKILL') timer = setTimeout(() => child.kill('SIGKILL'), this.stopPolicy.graceMs);
    });
  }
}
