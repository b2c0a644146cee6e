/**
 * `arcedge demo` (the photo demo; `npm start` now runs the agent demo) run as a user runs it: a child process on real
 * photos with the `default` set. Models come from the search path the detector tests use
 * (the user cache or a download), so this also proves a first run needs no manual step.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assetFace, repoRoot } from '../helpers/assets.ts';

// tsx is resolved from this repo, so the CLI can also run from a folder outside it.
const tsxLoader = import.meta.resolve('tsx');

function arcedge(args: string[], cwd = repoRoot) {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, join(repoRoot, 'tools', 'arcedge.ts'), ...args], {
    cwd,
    env: process.env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('demo prints every face of a group photo and survives an unreadable file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-demo-'));
  copyFileSync(assetFace('face_recognition', 'examples', 'two_people.jpg'), join(dir, 'a-two-people.jpg'));
  copyFileSync(assetFace('debian', 'messi5.jpg'), join(dir, 'b-messi.jpg'));
  writeFileSync(join(dir, 'c-broken.jpg'), 'this is not a JPEG');
  const { code, stdout, stderr } = arcedge(['demo', dir]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /a-two-people\.jpg: 2 face\(s\)/);
  assert.match(stdout, /b-messi\.jpg: 1 face\(s\)/);
  assert.equal(stdout.match(/ #\d+ box=/g)?.length, 3);
  assert.match(stderr, /c-broken\.jpg: \[IMAGE_UNSUPPORTED\]/);
  assert.match(stdout, /done: 3 image\(s\), 3 face\(s\), 1 unreadable/);
});

test('demo --json prints one parseable line per image', () => {
  const { code, stdout, stderr } = arcedge(['demo', '--json', assetFace('debian', 'astronaut.png')]);
  assert.equal(code, 0, stderr);
  const rows = stdout.trim().split('\n').map((line) => JSON.parse(line) as { faces: { score: number; landmarks: unknown[] }[] });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.faces.length, 1);
  assert.ok((rows[0]?.faces[0]?.score ?? 0) > 0.9);
  assert.equal(rows[0]?.faces[0]?.landmarks.length, 5);
});

test('demo without photos prints a one-line usage; unknown commands exit 2', () => {
  // From a folder with no ../shared/assets beside it, there is nothing to default to.
  const lonely = mkdtempSync(join(tmpdir(), 'arcedge-nowhere-'));
  mkdirSync(join(lonely, 'cwd'));
  const demo = arcedge(['demo'], join(lonely, 'cwd'));
  assert.equal(demo.code, 2);
  assert.equal(demo.stderr.trim().split('\n').length, 1);
  assert.match(demo.stderr, /^usage: arcedge demo/);
  const unknown = arcedge(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"\. Expected one of: demo, models, /);
  for (const command of ['eval', 'quantize', 'enroll', 'identify', 'gallery', 'train', 'package', 'setup']) assert.match(unknown.stderr, new RegExp(`\\b${command}\\b`));
});
