/**
 * One interface for every camera kind (file, folder, RTSP, V4L2, CSI). The camera supervisor
 * (camera.ts) only ever sees this; test/agent/frame-source.contract.e2e.test.ts runs the same
 * suite against every implementation.
 */
export interface SourceFrame {
  /** width * height * 3 bytes, BGR, owned by the receiver (transferable to a worker). */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Capture time, ms since the epoch. */
  readonly ts: number;
  /** Frame counter since start(), from 0. */
  readonly seq: number;
}

export interface SourceHandlers {
  frame(frame: SourceFrame): void;
  /** The source stopped on its own: end of a non-looping file, a dead stream, a crashed child. */
  end(reason: string, error?: Error): void;
}

export interface FrameSource {
  /** e.g. "ffmpeg rtsp://cam/1" or "folder /photos", for logs and status. */
  readonly description: string;
  /** Frame size every frame has; known once start() resolves. */
  readonly size: { width: number; height: number } | undefined;
  /** Starts delivering frames; rejects when the source cannot start (bad URL, no device). */
  start(handlers: SourceHandlers): Promise<void>;
  /**
   * Hands back a frame's buffer that was dropped unprocessed (latest-frame-wins), for reuse: at
   * 1080p each frame is 6 MB, and allocating every one makes the main thread collect garbage.
   */
  recycle?(data: Uint8Array): void;
  /** Stops and releases everything (kills the child); idempotent; no handler is called after it resolves. */
  stop(): Promise<void>;
}
