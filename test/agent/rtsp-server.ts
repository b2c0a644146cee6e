/**
 * The agent tests' RTSP camera: scripts/jetson-check/rtsp-server.py (the stream jetson-check
 * serves) at 320x240, 10 fps, VP8 (vp8enc is in gstreamer1.0-plugins-good, which setup.sh
 * installs; H.264 encoders are not). Served at rtsp://127.0.0.1:<port>/cam.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/assets.ts';

export const RTSP_TEST_SIZE = { width: 320, height: 240 };

/** Starts the server and resolves once it serves. Debian's /usr/bin/python3 has python3-gi; a pyenv python3 first on PATH may not. */
export async function startRtspServer(port: number): Promise<ChildProcess> {
  const script = join(repoRoot, 'scripts', 'jetson-check', 'rtsp-server.py');
  const size = `${RTSP_TEST_SIZE.width}x${RTSP_TEST_SIZE.height}`;
  const child = spawn('/usr/bin/python3', [script, String(port), '--codec', 'vp8', '--size', size, '--fps', '10'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`rtsp-server.py exited ${code}`)));
  });
  return child;
}
