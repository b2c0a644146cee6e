/**
 * `arcedge setup` pieces that need no compile: the system OpenCV search (on this machine and on a
 * JetPack-shaped tree), the version pin, and the command itself in the checkout, where the
 * binding scripts/setup.sh built must be found and kept. The compile path is exercised end to
 * end by test/package/install.e2e.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '../helpers/assets.ts';
import { OPENCV_BINDING_PACKAGE, OPENCV_BINDING_VERSION } from '../../sdk/internal.ts';
import { findIncludeDir, findLibDir, locateSystemOpenCV } from '../../tools/setup/locate-opencv.ts';

test('the binding version setup builds is the one package.json pins (dev and optional peer)', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  assert.equal(pkg.devDependencies?.[OPENCV_BINDING_PACKAGE], OPENCV_BINDING_VERSION);
  assert.equal(pkg.peerDependencies?.[OPENCV_BINDING_PACKAGE], OPENCV_BINDING_VERSION);
  assert.deepEqual(pkg.peerDependenciesMeta?.[OPENCV_BINDING_PACKAGE], { optional: true });
  assert.equal(pkg.dependencies?.[OPENCV_BINDING_PACKAGE], undefined, 'a regular dependency would be built by npm install');
});

test('finds the system OpenCV where `find` finds libopencv_core.so', () => {
  const found = spawnSync('find', ['/usr/lib', '-name', 'libopencv_core.so', '-print', '-quit'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(found, 'scripts/setup.sh installs libopencv-dev');
  assert.equal(findLibDir(), dirname(found));
  const located = locateSystemOpenCV();
  assert.deepEqual(located.problems, []);
  assert.equal(located.found?.libDir, dirname(found));
  assert.equal(located.found?.includeDir, '/usr/include/opencv4');
});

test('a JetPack-shaped tree: lib/aarch64-linux-gnu and include/opencv4 under one prefix', () => {
  const root = mkdtempSync(join(tmpdir(), 'arcedge-locate-'));
  const lib = join(root, 'usr', 'lib', 'aarch64-linux-gnu');
  mkdirSync(lib, { recursive: true });
  mkdirSync(join(root, 'usr', 'lib', 'python3', 'dist-packages'), { recursive: true });
  writeFileSync(join(lib, 'libopencv_core.so'), '');
  mkdirSync(join(root, 'usr', 'include', 'opencv4', 'opencv2'), { recursive: true });
  writeFileSync(join(root, 'usr', 'include', 'opencv4', 'opencv2', 'core.hpp'), '');
  assert.equal(findLibDir([join(root, 'usr', 'lib')]), lib);
  assert.equal(findIncludeDir(lib), join(root, 'usr', 'include', 'opencv4'));
  assert.equal(findLibDir([join(root, 'usr', 'include')]), undefined);
});

test('wrong --lib-dir / --include-dir are reported, all at once', () => {
  const empty = mkdtempSync(join(tmpdir(), 'arcedge-locate-'));
  const { found, problems } = locateSystemOpenCV({ libDir: empty, includeDir: empty });
  assert.equal(found, undefined);
  assert.ok(problems.some((p) => p.includes(`--lib-dir ${empty}`)), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes(`--include-dir ${empty}`)), problems.join('\n'));
});

test('arcedge setup in the checkout keeps the binding scripts/setup.sh built', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ARCEDGE_HOME: mkdtempSync(join(tmpdir(), 'arcedge-home-')) };
  for (const k of Object.keys(env)) if (/^OPENCV/i.test(k)) delete env[k];
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'tools', 'arcedge.ts'), 'setup', '--json'], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { status: string; origin: string; packageDir: string; opencvVersion: string };
  assert.equal(report.status, 'ready');
  assert.equal(report.origin, 'project');
  assert.equal(report.packageDir, join(repoRoot, 'node_modules', '@u4', 'opencv4nodejs'));
  assert.match(report.opencvVersion, /^4\.\d+\.\d+$/);
});
