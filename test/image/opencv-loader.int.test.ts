/**
 * The OpenCV loader: in the checkout it finds the binding scripts/setup.sh compiled, loads it
 * without the caller setting any variable, and leaves the process environment as it found it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../helpers/assets.ts';
import { createFrame, encodePng, decodeImage } from '../../sdk/index.ts';
import { findOpenCVBinding, openCVInfo, opencvBuildDir } from '../../sdk/image/opencv/index.ts';

test('loads the checkout binding with no OPENCV* variable, and restores the environment', () => {
  for (const k of Object.keys(process.env)) if (/^OPENCV/i.test(k)) delete process.env[k];
  const candidates = findOpenCVBinding();
  assert.equal(candidates[0]?.origin, 'project');
  assert.equal(candidates[0]?.packageDir, join(repoRoot, 'node_modules', '@u4', 'opencv4nodejs'));
  assert.equal(candidates[0]?.compiled, true);

  // A real round trip through the codecs, then the load report.
  const frame = createFrame(4, 2, Uint8Array.from({ length: 24 }, (_, i) => i * 10));
  assert.deepEqual(decodeImage(encodePng(frame)).data, frame.data);
  const info = openCVInfo();
  assert.equal(info.origin, 'project');
  assert.match(info.version, /^4\.\d+\.\d+$/);
  assert.equal(process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD, undefined, 'the load-time setting does not leak');
});

test('the setup build folder is keyed by binding version, Node ABI, platform and CPU, under ARCEDGE_HOME', () => {
  const dir = opencvBuildDir({ ARCEDGE_HOME: '/x/home' });
  assert.equal(dir, `/x/home/opencv/opencv4nodejs-7.1.2-node${process.versions.modules}-${process.platform}-${process.arch}`);
});
