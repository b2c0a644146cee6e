/**
 * Per-camera settings edited from the web UI (masks, minFacePx), kept in an overlay file
 * `<dataDir>/camera-settings.json` (mode 0600, written atomically) and merged over the config
 * file at every load.
 *
 * Why an overlay and not a rewrite of the config file: the config is the operator's file (YAML
 * with comments, often installed by `arcedge flash` into /etc and owned by root); rewriting it
 * from the agent would drop comments and formatting, and would need the service user to own
 * it. The data folder is already the agent's own writable state (sessions, event history).
 * The overlay wins over the config for the cameras it names; deleting it returns to the config.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ArcEdgeError } from '../../sdk/index.ts';
import { CameraSettingsSchema, type AgentConfig, type CameraSettings } from './schema.ts';

const OverlaySchema = z.object({ version: z.literal(1), cameras: z.record(z.string(), CameraSettingsSchema) }).strict();

export const cameraSettingsPath = (dataDir: string) => join(dataDir, 'camera-settings.json');

/** The overlay's cameras (empty when there is no file); a damaged file is a CONFIG_INVALID. */
export function readCameraSettings(dataDir: string): Record<string, CameraSettings> {
  const file = cameraSettingsPath(dataDir);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw settingsInvalid(file, (error as Error).message);
  }
  const result = OverlaySchema.safeParse(parsed);
  if (!result.success) throw settingsInvalid(file, result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return result.data.cameras;
}

const settingsInvalid = (file: string, problem: string) =>
  new ArcEdgeError('CONFIG_INVALID', `the camera settings saved from the web UI (${file}) are unreadable: ${problem}`, {
    fix: `fix or delete ${file} (deleting it returns every camera to the masks and minFacePx of the config file)`,
    details: { file },
  });

/** The config with the overlay's masks and minFacePx in place of the file's, per camera. */
export function withCameraSettings(config: AgentConfig): AgentConfig {
  const overlay = readCameraSettings(config.dataDir);
  if (Object.keys(overlay).length === 0) return config;
  return { ...config, cameras: config.cameras.map((c) => (overlay[c.id] ? { ...c, ...overlay[c.id] } : c)) };
}

/** Saves one camera's settings (validated) into the overlay: temp file, then rename. */
export function writeCameraSettings(dataDir: string, camera: string, settings: CameraSettings): CameraSettings {
  const checked = CameraSettingsSchema.parse(settings);
  const all = { ...readCameraSettings(dataDir), [camera]: checked };
  const file = cameraSettingsPath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, cameras: all }, null, 1), { mode: 0o600 });
  renameSync(tmp, file);
  return checked;
}
