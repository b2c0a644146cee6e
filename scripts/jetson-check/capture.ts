/**
 * jetson-check, capture: runs the agent's own capture command for a source (capture-commands.ts,
 * frames on fd 3) until it has delivered N frames, then checks the byte count on the frame pipe
 * is a whole number of frames (at least N), and reports what the program printed on stdout (NVIDIA's elements
 * print there; with frames on their own fd that text no longer matters, this shows it).
 * GStreamer pipelines end by themselves after N buffers (an `identity eos-after=N` before the
 * sink, so gst-launch exits through EOS); ffmpeg gets `-frames:v N`.
 *
 *   node --import tsx scripts/jetson-check/capture.ts <source URL> [--frames 60] [--decoder jetson|software]
 *        [--codec h264|h265|auto] [--width 1280 --height 720] [--fps 30] [--timeout 60] [--program gstreamer|ffmpeg]
 * Prints one report line (PASS/FAIL <name>: ...); exit status 1 on FAIL.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { captureCommand, type CaptureSpec } from '../../agent/sources/capture-commands.ts';
import { FRAME_FD } from '../../agent/sources/child-source.ts';
import { parseSource } from '../../agent/sources/create-source.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    frames: { type: 'string', default: '60' },
    decoder: { type: 'string', default: 'jetson' },
    codec: { type: 'string', default: 'h264' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
    fps: { type: 'string' },
    timeout: { type: 'string', default: '60' },
    program: { type: 'string' },
  },
});
const source = positionals[0];
if (!source) throw new Error('usage: capture.ts <source URL> [--frames 60] [--decoder jetson|software] [--codec h264|h265|auto]');
const frames = Number(values.frames);
const { kind, target } = parseSource(source);
if (kind === 'folder') throw new Error('folder sources read files in-process: nothing to capture');
const spec: CaptureSpec = {
  kind, target, width: Number(values.width), height: Number(values.height), fps: values.fps ? Number(values.fps) : undefined,
  loop: false, decoder: values.decoder as CaptureSpec['decoder'], transport: 'tcp', codec: values.codec as CaptureSpec['codec'], sizeFromConfig: true,
};
// --program gstreamer runs the software decoder through GStreamer too (how this script is tried off a device).
const command = captureCommand(spec, values.program === 'gstreamer' || values.program === 'ffmpeg' ? values.program : undefined);
const args = [...command.args];
if (command.program === 'gst-launch-1.0') {
  const sink = args.indexOf('fdsink');
  // eos-after=N sends EOS on the Nth buffer, which it may drop itself (measured: 29 of 30 over RTSP).
  args.splice(sink, 0, 'identity', `eos-after=${frames + 1}`, '!');
} else {
  args.splice(args.indexOf('-f', args.indexOf('-pix_fmt')), 0, '-frames:v', String(frames));
}
const name = `capture ${source} (${spec.decoder}${kind === 'rtsp' || kind === 'file' ? `, ${spec.codec}` : ''}, ${spec.width}x${spec.height})`;
const frameBytes = spec.width * spec.height * 3;
const started = Date.now();
const child = spawn(command.program, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
let bytes = 0;
let stdout = '';
let stderr = '';
(child.stdio[FRAME_FD] as Readable).on('data', (chunk: Buffer) => (bytes += chunk.length));
child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
const timer = setTimeout(() => child.kill('SIGINT'), Number(values.timeout) * 1000);
const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
  child.once('error', (e) => {
    stderr += e.message;
    resolve([127, null]);
  });
  child.once('close', (c, s) => resolve([c, s]));
});
clearTimeout(timer);
const seconds = (Date.now() - started) / 1000;
const whole = bytes % frameBytes === 0;
const got = Math.floor(bytes / frameBytes);
// identity may also let a few queued buffers through after its EOS: at least N, and whole frames.
const ok = code === 0 && whole && got >= frames;
const oneLine = (text: string): string => text.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
console.log(
  `${ok ? 'PASS' : 'FAIL'} ${name}: ${bytes} bytes on fd ${FRAME_FD} = ${(bytes / frameBytes).toFixed(3)} frames of ${frameBytes} (need a whole number, >= ${frames}), ` +
    `${(got / seconds).toFixed(1)} fps over ${seconds.toFixed(1)} s, exit ${signal ?? code}; ` +
    `stdout ${stdout.length} bytes${stdout.trim() ? ` ("${oneLine(stdout)}")` : ''}${!ok && stderr.trim() ? `; stderr: ${oneLine(stderr)}` : ''}`,
);
if (!ok) console.log(`INFO ${name}: command: ${command.program} ${args.join(' ')}`);
process.exit(ok ? 0 : 1);
