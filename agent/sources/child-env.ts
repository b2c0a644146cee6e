/**
 * The environment for ffmpeg, ffprobe and GStreamer children. They parse hostile input (any
 * RTSP server or file a camera points at), so they get no secrets: not the gallery key
 * (ARCEDGE_GALLERY_KEY, which the agent itself needs), not the environment variables the config
 * names as secrets (mqtt.password { env }, ...), not the systemd credentials folder, and no
 * variable whose name says it holds one. Everything else (PATH, LD_LIBRARY_PATH, GST_*) stays.
 */
import { secretEnvNames } from '../config/secrets.ts';

const SECRET_NAME = /(^|_)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?)(_|$)/i;
const ALWAYS = ['ARCEDGE_GALLERY_KEY', 'ARCEDGE_GALLERY_KEY_FILE', 'CREDENTIALS_DIRECTORY'];

export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const drop = new Set([...ALWAYS, ...secretEnvNames]);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !drop.has(name) && !SECRET_NAME.test(name)));
}
