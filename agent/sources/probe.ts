/**
 * The native frame size of a file or stream, read with ffprobe, for cameras configured without
 * width/height. A probe that hangs (a dead RTSP server) is killed after timeoutMs.
 */
import { execFile } from 'node:child_process';
import { childEnv } from './child-env.ts';

export function probeVideoSize(target: string, options: { rtspTransport?: 'tcp' | 'udp'; timeoutMs?: number } = {}): Promise<{ width: number; height: number; fps: number | undefined }> {
  const args = ['-v', 'error', ...(target.startsWith('rtsp') ? ['-rtsp_transport', options.rtspTransport ?? 'tcp'] : []), '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate', '-of', 'json', target];
  return new Promise((resolve, reject) => {
    execFile('ffprobe', args, { timeout: options.timeoutMs ?? 8000, killSignal: 'SIGKILL', env: childEnv() }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`ffprobe ${target}: ${(stderr || error.message).trim().split('\n').pop()}`));
      const stream = (JSON.parse(stdout) as { streams?: { width?: number; height?: number; avg_frame_rate?: string }[] }).streams?.[0];
      if (!stream?.width || !stream.height) return reject(new Error(`ffprobe ${target}: no video stream`));
      const [num, den] = (stream.avg_frame_rate ?? '0/0').split('/').map(Number);
      resolve({ width: stream.width, height: stream.height, fps: num && den ? num / den : undefined });
    });
  });
}
