/**
 * The capture command line for each source kind. Software decoding (ffmpeg) runs everywhere;
 * `decoder: jetson` builds GStreamer pipelines for JetPack's hardware blocks:
 * - CSI cameras: nvarguscamerasrc (Argus ISP) -> nvvidconv (NVMM -> system memory, BGRx);
 * - H.264/H.265 RTSP/files: nvv4l2decoder (NVDEC), then nvvidconv, which also scales (VIC),
 *   so the CPU only drops the x of BGRx.
 * Raw BGR frames go to file descriptor 3 (`fdsink fd=3`, ffmpeg's `pipe:3`), a pipe of their own:
 * NVIDIA's elements print to stdout (nvarguscamerasrc with plain printf, nvv4l2decoder's
 * "Opening in BLOCKING MODE"), and one such line on the frame pipe would shift every later frame.
 * stdout and stderr are read as text for the diagnostics. gst-launch also runs with -q.
 * Element names and caps follow NVIDIA's "Accelerated GStreamer" guide (JetPack 5/6).
 */
import { FRAME_FD, type CaptureCommand } from './child-source.ts';

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
  /** decoder jetson, rtsp/file: the compressed stream's codec; auto: parsebin finds it. */
  readonly codec?: 'h264' | 'h265' | 'auto';
  /** v4l2: width/height came from the camera config, so the device is asked for that size and rate. */
  readonly sizeFromConfig?: boolean;
}

const FFMPEG_OUT = (s: CaptureSpec): string[] => {
  // flags=area: averaging, so a 3x downscale does not alias the faces that are aligned from it,
  // and cheaper than swscale's default bicubic (1080p -> 640x360 bgr24: 3.0 s of CPU for 600
  // frames against 3.6-4.1 s; decoding alone is 2.6 s).
  // A configured fps drops frames before they are scaled and converted, not after.
  const filters = [...(s.fps ? [`fps=${s.fps}`] : []), `scale=${s.width}:${s.height}:flags=area`];
  return ['-an', '-vf', filters.join(','), '-pix_fmt', 'bgr24', '-f', 'rawvideo', `pipe:${FRAME_FD}`];
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

const RATE = (s: CaptureSpec): string => (s.fps ? ` ! videorate ! video/x-raw,framerate=${s.fps}/1` : '');
const SINK = `fdsink fd=${FRAME_FD} sync=false`;
/** Software path: convert and scale on the CPU. */
const CPU_TAIL = (s: CaptureSpec): string => `videoconvert ! videoscale ! video/x-raw,format=BGR,width=${s.width},height=${s.height}${RATE(s)} ! ${SINK}`;
/** Jetson path: nvvidconv scales in NVMM (VIC) and leaves system-memory BGRx; the CPU drops the x. */
const NV_TAIL = (s: CaptureSpec): string =>
  `nvvidconv ! video/x-raw,format=BGRx,width=${s.width},height=${s.height} ! videoconvert ! video/x-raw,format=BGR${RATE(s)} ! ${SINK}`;

/** Depayloader (rtsp) and parser for nvv4l2decoder; auto: parsebin plugs whichever the stream needs. */
function parse(codec: CaptureSpec['codec'], rtp: boolean): string {
  if (codec === 'auto') return 'parsebin';
  const c = codec === 'h265' ? 'h265' : 'h264';
  return `${rtp ? `rtp${c}depay ! ` : ''}${c}parse`;
}

/** A gst-launch-1.0 pipeline string for the spec (Jetson hardware elements when decoder is jetson). */
export function gstreamerPipeline(spec: CaptureSpec): string {
  const nv = spec.decoder === 'jetson';
  switch (spec.kind) {
    case 'csi':
      return `nvarguscamerasrc sensor-id=${Number(spec.target) || 0} ! video/x-raw(memory:NVMM),width=${spec.width},height=${spec.height},framerate=${spec.fps ?? 30}/1 ! ${NV_TAIL({ ...spec, fps: undefined })}`;
    case 'rtsp': {
      const src = `rtspsrc location=${spec.target} protocols=${spec.transport} latency=200`;
      return nv ? `${src} ! ${parse(spec.codec, true)} ! nvv4l2decoder ! ${NV_TAIL(spec)}` : `${src} ! decodebin ! ${CPU_TAIL(spec)}`;
    }
    case 'file': {
      const src = `filesrc location=${spec.target}`;
      // parsebin demuxes any container itself; the explicit codecs keep mp4's qtdemux.
      return nv
        ? `${src} ! ${spec.codec === 'auto' ? 'parsebin' : `qtdemux ! ${parse(spec.codec, false)}`} ! nvv4l2decoder ! ${NV_TAIL(spec)}`
        : `${src} ! decodebin ! ${CPU_TAIL(spec)}`;
    }
    case 'v4l2': {
      // The camera's own size and rate, when the config names them (else whatever it offers first).
      const caps = spec.sizeFromConfig ? ` ! video/x-raw,width=${spec.width},height=${spec.height}${spec.fps ? `,framerate=${spec.fps}/1` : ''}` : '';
      return `v4l2src device=${spec.target}${caps} ! ${nv ? NV_TAIL(spec) : CPU_TAIL(spec)}`;
    }
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
