/**
 * Agent config: strict schema, every problem at once with its path (also through the real
 * `arcedge-agent --config` binary), secrets only from env or 0600 files, --print-config masks
 * them, and the generated reference docs are current.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isArcEdgeError } from '../../sdk/index.ts';
import { loadConfigFile, parseConfig } from '../../agent/config/load.ts';
import { agentConfigMarkdown, protocolSchemaFiles } from '../../scripts/gen-docs.ts';
import { repoRoot } from '../helpers/assets.ts';

const dir = join(repoRoot, 'test', '.tmp', 'agent-config');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const THREE_MISTAKES = `# three mistakes: a bad device id, an unknown key, a negative stall timeout
device: { id: "door 1" }
models: default
cameras:
  - id: front
    source: rtsp://192.0.2.1/stream
    colour: red
    stallTimeoutSec: -3
`;

test('a config with three mistakes reports all three at once, each with its path', () => {
  const path = join(dir, 'three.yaml');
  writeFileSync(path, THREE_MISTAKES);
  let error: unknown;
  try {
    loadConfigFile(path);
  } catch (e) {
    error = e;
  }
  assert.ok(isArcEdgeError(error, 'CONFIG_INVALID'), String(error));
  const problems = (error.details as { problems: string[] }).problems;
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('device.id:')));
  assert.ok(problems.some((p) => p.startsWith('cameras.0:') && p.includes('colour')));
  assert.ok(problems.some((p) => p.startsWith('cameras.0.stallTimeoutSec:')));
});

test('arcedge-agent --config prints the three problems and exits 1', () => {
  const path = join(dir, 'three.yaml');
  writeFileSync(path, THREE_MISTAKES);
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'agent', 'main.ts'), '--config', path], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /CONFIG_INVALID/);
  for (const p of ['device.id', 'cameras.0: Unrecognized key', 'cameras.0.stallTimeoutSec']) assert.ok(r.stderr.includes(p), `${p} missing from:\n${r.stderr}`);
});

test('YAML syntax errors name the line; usage errors exit 2', () => {
  const path = join(dir, 'broken.yaml');
  writeFileSync(path, 'device: { id: a\ncameras: [\n');
  assert.throws(() => loadConfigFile(path), (e: unknown) => isArcEdgeError(e, 'CONFIG_INVALID') && /line \d/.test(e.message));
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'agent', 'main.ts'), '--bogus'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2);
});

test('secrets come from env or 0600 files; --print-config masks them', () => {
  const secretFile = join(dir, 'mqtt-pass');
  writeFileSync(secretFile, 's3cret-value\n');
  chmodSync(secretFile, 0o644);
  const base = { device: { id: 'd1' }, cameras: [{ id: 'c', source: 'file:///x.mp4' }] };
  const withFile = { ...base, mqtt: { url: 'mqtt://127.0.0.1:1', password: { file: secretFile } } };
  assert.throws(() => parseConfig(withFile, dir), (e: unknown) => isArcEdgeError(e, 'CONFIG_INVALID') && /chmod 600/.test(e.message));
  chmodSync(secretFile, 0o600);
  assert.equal(parseConfig(withFile, dir).mqtt.password && 'file' in parseConfig(withFile, dir).mqtt.password! ? 'file' : '', 'file');
  delete process.env.ARCEDGE_TEST_UNSET_SECRET;
  assert.throws(() => parseConfig({ ...base, mqtt: { password: { env: 'ARCEDGE_TEST_UNSET_SECRET' } } }, dir), /ARCEDGE_TEST_UNSET_SECRET is not set/);
  assert.throws(() => parseConfig({ ...base, mqtt: { password: 'inline' } }, dir), (e: unknown) => isArcEdgeError(e, 'CONFIG_INVALID'));

  const path = join(dir, 'secret.json');
  writeFileSync(path, JSON.stringify(withFile));
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'agent', 'main.ts'), '--config', path, '--print-config'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes('s3cret-value'));
  const printed = JSON.parse(r.stdout) as { mqtt: { password: string; keepaliveSec: number }; cameras: { stallTimeoutSec: number }[] };
  assert.match(printed.mqtt.password, /^\*\*\* \(from file /);
  assert.equal(printed.mqtt.keepaliveSec, 30, 'defaults are applied in the effective config');
  assert.equal(printed.cameras[0]!.stallTimeoutSec, 5);
});

test('docs/agent-config.md and docs/protocol/*.schema.json are generated and current (npm run docs)', () => {
  assert.equal(readFileSync(join(repoRoot, 'docs', 'agent-config.md'), 'utf8'), agentConfigMarkdown(), 'stale: run `npm run docs`');
  for (const [file, text] of Object.entries(protocolSchemaFiles())) {
    assert.equal(readFileSync(join(repoRoot, 'docs', 'protocol', file), 'utf8'), text, `docs/protocol/${file} is stale: run \`npm run docs\``);
  }
  // Every described field shows up in the reference.
  for (const path of ['`cameras[].stallTimeoutSec`', '`mqtt.tls.key`', '`tracking.cutSimilarity`', '`recognition.cooldownSec`']) assert.ok(agentConfigMarkdown().includes(path), path);
});
