/**
 * The FrameSource for a camera's config: parses the source URL, probes the frame size when none
 * is configured, and picks the capture program (ffmpeg, or GStreamer for decoder: jetson / CSI).
 */
import { fileURLToPath } from 'node:url';
import type { CameraConfig } from '../config/schema.ts';
import { captureCommand, type CaptureSpec, type SourceKind } from './capture-commands.ts';
import { ChildProcessSource, KILL_AT_ONCE, type StopPolicy } from './child-source.ts';
import { FolderSource } from './folder-source.ts';
import type { FrameSource } from './frame-source.ts';
import { probeVideoSize } from './probe.ts';

/** Frame size used when a camera gives none and the source cannot be probed (devices). */
const DEVICE_DEFAULT = { width: 1280, height: 720 };
const FOLDER_DEFAULT = { width: 640, height: 480, fps: 2 };
/**
 * Argus (CSI) captures stop with SIGINT first: gst-launch then takes the pipeline down and
 * nvarguscamerasrc closes its session; a SIGKILLed client can leave nvargus-daemon unable to
 * open the next session until the daemon restarts. SIGKILL still follows if it hangs.
 */
export const ARGUS_STOP: StopPolicy = { signal: 'SIGINT', graceMs: 3000 };

export function parseSource(source: string): { kind: SourceKind | 'folder'; target: string } {
  const scheme = source.slice(0, source.indexOf('://'));
  switch (scheme) {
    case 'file':
      return { kind: 'file', target: fileURLToPath(source.replace(/^file:\/\/(?!\/)/, 'file:///')) };
    case 'folder':
      return { kind: 'folder', target: source.slice('folder://'.length) };
    case 'rtsp':
    case 'rtsps':
      return { kind: 'rtsp', target: source };
    case 'v4l2':
      return { kind: 'v4l2', target: source.slice('v4l2://'.length) || '/dev/video0' };
    case 'csi':
      return { kind: 'csi', target: source.slice('csi://'.length) || '0' };
    default:
      throw new Error(`unsupported source ${source}`);
  }
}

/**
 * The frame size the capture process scales to: the source's own, or narrower than `maxWidth`
 * with the aspect ratio kept (even sizes: what YUV 4:2:0 scalers produce without a rounding row).
 */
export function fitWidth(size: { width: number; height: number }, maxWidth: number): { width: number; height: number } {
  if (size.width <= maxWidth) return size;
  const even = (v: number) => Math.max(2, Math.round(v / 2) * 2);
  return { width: even(maxWidth), height: even((size.height * maxWidth) / size.width) };
}

/**
 * The width frames cross to the pipeline at when the camera sets no maxWidth: the detector's
 * input width if that is wider, else 1280. Faces are aligned from this frame, so it keeps twice
 * the detector's usual 640: a face the detector sees at 56 px is 112 px here and fills the ArcFace
 * crop without upscaling (at 640 wide, a face 1/10 of a 1080p view would be upscaled ~1.7x into
 * the crop). The bench measured the 1280 and 640 defaults within noise of each other in
 * frames/s against the detector (0.71-0.74x vs 0.71-0.75x, 1080p clip, load 10-16;
 * test/bench/rows/agent.ts), so the sharper crops cost little; a 1080p or 4K frame still crosses
 * at well under full size. Set `maxWidth: 640` for the last few frames/s when faces are large.
 */
export const MIN_PIPELINE_WIDTH = 1280;
export function defaultPipelineWidth(detectorInputWidth: number | undefined): number {
  return Math.max(MIN_PIPELINE_WIDTH, detectorInputWidth ?? MIN_PIPELINE_WIDTH);
}

/** Seconds each folder photo is shown when the camera sets no holdSec: minVotes + 1 frames, at least 2 s. */
export function defaultHoldSec(fps: number, minVotes: number): number {
  return Math.max(2, (minVotes + 1) / fps);
}

export function createSource(camera: CameraConfig, options: { program?: 'ffmpeg' | 'gstreamer'; minVotes?: number; detectorInputWidth?: number | undefined } = {}): FrameSource {
  const { kind, target } = parseSource(camera.source);
  const configured = camera.width && camera.height ? { width: camera.width, height: camera.height } : undefined;
  if (kind === 'folder') {
    const size = configured ?? FOLDER_DEFAULT;
    const fps = camera.fps ?? FOLDER_DEFAULT.fps;
    return new FolderSource(target, { ...size, fps, loop: camera.loop, holdSec: camera.holdSec ?? defaultHoldSec(fps, options.minVotes ?? 3) });
  }
  return new ChildProcessSource(async () => {
    let size = configured;
    // Probed sources scale to the detector's width by default; a v4l2/CSI device is asked for
    // the size it is given (-video_size, the Argus caps), so it keeps its common 1280x720 unless
    // the camera sets maxWidth: not every webcam offers a 640-wide mode.
    if (!size) {
      size = kind === 'file' || kind === 'rtsp'
        ? fitWidth(await probeVideoSize(target, { rtspTransport: camera.transport }), camera.maxWidth ?? defaultPipelineWidth(options.detectorInputWidth))
        : fitWidth(DEVICE_DEFAULT, camera.maxWidth ?? DEVICE_DEFAULT.width);
    }
    const spec: CaptureSpec = {
      kind, target, width: size.width, height: size.height, fps: camera.fps, loop: camera.loop, decoder: camera.decoder, transport: camera.transport,
      codec: camera.codec, sizeFromConfig: configured !== undefined,
    };
    return { capture: captureCommand(spec, options.program), width: size.width, height: size.height };
  }, `${kind} ${target}`, kind === 'file' ? 'end of file' : 'stream ended', kind === 'csi' ? ARGUS_STOP : KILL_AT_ONCE);
}
