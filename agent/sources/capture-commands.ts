/**
 * The capture command line for each source kind. Software decoding (ffmpeg) runs everywhere;
 * `decoder: jetson` builds GStreamer pipelines for JetPack's hardware blocks:
 * - CSI cameras: nvarguscamerasrc (Argus ISP) -> nvvidconv (NVMM -> system memory, BGRx);
 * - H.264 RTSP/files: nvv4l2decoder (NVDEC), then nvvidconv.
 * Both end in `videoconvert ! video/x-raw,format=BGR ! fdsink fd=1`: raw BGR on stdout, the same
 * contract as ffmpeg's `-f rawvideo -pix_fmt bgr24 pipe:1`. gst-launch runs with -q, or it
 * prints its state changes onto stdout and corrupts the frame stream.
 * Element names and caps follow NVIDIA's "Accelerated GStreamer" guide (JetPack 5/6).
 */
import type { CaptureCommand } from './child-source.ts';

export type SourceKind = 'file' | 'rtsp' | 'v4l2' | 'csi';

export interface CaptureSpec {
  readonly kind: SourceKind;
  /** Path (file, v4l2 device), URL (rtsp) or sensor id (csi). */
  readonly target: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number | undefined;
  readonly loop: boolean;
  readonly decoder: 'software' | 'jetson';
  readonly transport: 'tcp' | 'udp';
}

const FFMPEG_OUT = (s: CaptureSpec): string[] => {
  const filters = [`scale=${s.width}:${s.height}`, ...(s.fps ? [`fps=${s.fps}`] : [])];
  return ['-an', '-vf', filters.join(','), '-pix_fmt', 'bgr24', '-f', 'rawvideo', 'pipe:1'];
};

function ffmpeg(spec: CaptureSpec): CaptureCommand {
  const head = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  switch (spec.kind) {
    case 'file':
      // -re: read at the clip's own rate, as a camera would deliver it.
      return { program: 'ffmpeg', args: [...head, '-re', ...(spec.loop ? ['-stream_loop', '-1'] : []), '-i', spec.target, ...FFMPEG_OUT(spec)] };
    case 'rtsp':
      return { program: 'ffmpeg', args: [...head, '-rtsp_transport', spec.transport, '-i', spec.target, ...FFMPEG_OUT(spec)] };
    case 'v4l2':
      return {
        program: 'ffmpeg',
        args: [...head, '-f', 'v4l2', ...(spec.fps ? ['-framerate', String(spec.fps)] : []), '-video_size', `${spec.width}x${spec.height}`, '-i', spec.target, ...FFMPEG_OUT(spec)],
      };
    case 'csi':
      // A CSI sensor needs the Jetson ISP (Argus); there is no software path.
      return gstreamer({ ...spec, decoder: 'jetson' });
  }
}

const BGR_TAIL = (s: CaptureSpec): string =>
  `videoconvert ! videoscale ! video/x-raw,format=BGR,width=${s.width},height=${s.height}${s.fps ? ` ! videorate ! video/x-raw,framerate=${s.fps}/1` : ''} ! fdsink fd=1 sync=false`;

/** A gst-launch-1.0 pipeline string for the spec (Jetson hardware elements when decoder is jetson). */
export function gstreamerPipeline(spec: CaptureSpec): string {
  const nv = spec.decoder === 'jetson';
  switch (spec.kind) {
    case 'csi':
      return `nvarguscamerasrc sensor-id=${Number(spec.target) || 0} ! video/x-raw(memory:NVMM),width=${spec.width},height=${spec.height},framerate=${spec.fps ?? 30}/1 ! nvvidconv ! video/x-raw,format=BGRx ! ${BGR_TAIL({ ...spec, fps: undefined })}`;
    case 'rtsp':
      return nv
        ? `rtspsrc location=${spec.target} protocols=${spec.transport} latency=200 ! rtph264depay ! h264parse ! nvv4l2decoder ! nvvidconv ! video/x-raw,format=BGRx ! ${BGR_TAIL(spec)}`
        : `rtspsrc location=${spec.target} protocols=${spec.transport} latency=200 ! decodebin ! ${BGR_TAIL(spec)}`;
    case 'file':
      return nv
        ? `filesrc location=${spec.target} ! qtdemux ! h264parse ! nvv4l2decoder ! nvvidconv ! video/x-raw,format=BGRx ! ${BGR_TAIL(spec)}`
        : `filesrc location=${spec.target} ! decodebin ! ${BGR_TAIL(spec)}`;
    case 'v4l2':
      return `v4l2src device=${spec.target} ! ${nv ? 'nvvidconv ! video/x-raw,format=BGRx ! ' : ''}${BGR_TAIL(spec)}`;
  }
}

/**
 * gst-launch-1.0 takes the pipeline as separate arguments (it joins them with spaces); caps with
 * parentheses stay one argument, since no shell is involved.
 */
export function gstreamer(spec: CaptureSpec): CaptureCommand {
  return { program: 'gst-launch-1.0', args: ['-q', ...gstreamerPipeline(spec).split(' ')] };
}

export function captureCommand(spec: CaptureSpec, program: 'ffmpeg' | 'gstreamer' = spec.decoder === 'jetson' ? 'gstreamer' : 'ffmpeg'): CaptureCommand {
  return program === 'gstreamer' ? gstreamer(spec) : ffmpeg(spec);
}
