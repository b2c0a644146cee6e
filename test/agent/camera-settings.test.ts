/**
 * Masks and minFacePx saved from the web UI go to <dataDir>/camera-settings.json (0600, written
 * by rename), never into the operator's config file, and win over the file's at every load; a
 * damaged overlay is a CONFIG_INVALID that names the file and how to recover.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isArcEdgeError } from '../../sdk/index.ts';
import { cameraSettingsPath, writeCameraSettings } from '../../agent/config/camera-settings.ts';
import { loadConfigFile } from '../../agent/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'arcedge-camera-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `# the operator's comments stay
device: { id: door }
dataDir: ./data
cameras:
  - id: front
    source: rtsp://192.0.2.1/stream
    minFacePx: 20
  - id: back
    source: rtsp://192.0.2.2/stream
    masks:
      - { name: tv, points: [[0, 0], [0.2, 0], [0.2, 0.2]] }
`;

test('saved settings win over the config file at load; the config file is never rewritten', () => {
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, CONFIG);
  const first = loadConfigFile(path).config;
  assert.equal(first.cameras[0]!.minFacePx, 20);
  assert.deepEqual(first.cameras[0]!.masks, []);
  assert.equal(first.cameras[1]!.masks[0]!.name, 'tv');

  const painting = { name: 'painting', points: [[0.5, 0.1], [0.8, 0.1], [0.8, 0.5], [0.5, 0.5]] as [number, number][] };
  writeCameraSettings(first.dataDir, 'front', { masks: [painting], minFacePx: 48 });
  const file = cameraSettingsPath(first.dataDir);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(first.dataDir), ['camera-settings.json'], 'no temp file left behind');
  assert.equal(readFileSync(path, 'utf8'), CONFIG);

  const again = loadConfigFile(path).config;
  assert.equal(again.cameras[0]!.minFacePx, 48);
  assert.deepEqual(again.cameras[0]!.masks, [painting]);
  assert.equal(again.cameras[1]!.masks[0]!.name, 'tv', 'a camera the overlay does not name keeps the file\'s settings');

  assert.throws(() => writeCameraSettings(first.dataDir, 'front', { masks: [{ points: [[0, 0], [2, 0], [0, 1]] }], minFacePx: 0 }));
  assert.equal(loadConfigFile(path).config.cameras[0]!.minFacePx, 48, 'a refused save changes nothing');

  writeFileSync(file, '{ "version": 1, "cameras": { "front": { "minFacePx": -4 } } }');
  assert.throws(() => loadConfigFile(path), (e) => isArcEdgeError(e, 'CONFIG_INVALID') && e.message.includes(file) && /delete/.test(e.fix ?? ''));
});
