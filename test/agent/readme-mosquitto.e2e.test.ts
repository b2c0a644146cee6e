/**
 * The README's "MQTT topics and payloads" shell lines, run as written against `npm start`: the
 * demo's retained status and its topics arrive through Debian's mosquitto_sub, and the
 * `cmd/list` round trip through mosquitto_pub gets its reply. Both tools come from
 * `mosquitto-clients`, which scripts/setup.sh installs; without them this test fails (it does
 * not skip), because the README tells every new user to run these lines.
 * The demo takes 1883 when free, else another port it prints; the README's lines get `-p` added.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assetModel, repoRoot } from '../helpers/assets.ts';
import { waitFor } from './harness.ts';

/** The README's mosquitto_* commands (a line joined with ` & ` gives two), split the way sh would (single quotes only, as they are written). */
function readmeLines(): string[][] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const lines = readme.split('\n').filter((l) => /^mosquitto_(sub|pub) /.test(l)).flatMap((l) => l.replace(/\s+#.*$/, '').split(' & '));
  return lines.map((line) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!));
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

test('the README mosquitto_sub / mosquitto_pub lines work against `npm start`', { timeout: 300_000 }, async () => {
  for (const tool of ['mosquitto_sub', 'mosquitto_pub']) {
    assert.equal(spawnSync(tool, ['--help']).error, undefined, `${tool} is missing: install Debian's mosquitto-clients (scripts/setup.sh does)`);
  }
  const lines = readmeLines();
  assert.ok(lines.length >= 3, `README lists its mosquitto_sub/pub lines: ${JSON.stringify(lines)}`);

  // `npm start`, in its own process group so that stopping it stops tsx and the agent too.
  const demo: ChildProcess = spawn('npm', ['start'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ARCEDGE_MODEL_PATH: join(assetModel('det_500m.onnx'), '..') },
  });
  after(() => {
    try {
      process.kill(-demo.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let out = '';
  demo.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  demo.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const port = await waitFor('the demo prints its broker', () => /broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1], 240_000);
  const withPort = (args: string[]): string[] => [args[0]!, '-p', port, ...args.slice(1)];

  // Line 1, "everything the demo says", for a few seconds (-W: exit after 5 s).
  const everything = await run([...withPort(lines[0]!), '-W', '5'], 20_000);
  const topics = everything.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
  assert.ok(topics.includes('arcedge/demo/status'), `retained status arrives:\n${everything.stdout}\n${everything.stderr}\n--- demo\n${out}`);
  const status = JSON.parse(everything.stdout.split('\n').find((l) => l.startsWith('arcedge/demo/status '))!.slice('arcedge/demo/status '.length)) as { state: string };
  assert.equal(status.state, 'online');
  assert.ok(topics.some((t) => t!.startsWith('arcedge/demo/cameras/')), `camera status arrives: ${topics.join(', ')}`);

  // Line 3: the list command answered on reply/r1 (the README backgrounds the subscriber with &).
  const subArgs = lines.find((l) => l[0] === 'mosquitto_sub' && l.includes('-C'))!;
  const pubArgs = lines.find((l) => l[0] === 'mosquitto_pub')!;
  assert.ok(subArgs && pubArgs, 'README has the reply/r1 round trip');
  const reply = run([...withPort(subArgs), '-W', '20'], 30_000);
  await new Promise((r) => setTimeout(r, 500)); // let the subscription land, as `&` does in a shell
  const pub = await run(withPort(pubArgs), 10_000);
  assert.equal(pub.code, 0, pub.stderr);
  const answered = await reply;
  assert.equal(answered.code, 0, `no reply within 20 s: ${answered.stderr}`);
  const body = JSON.parse(answered.stdout.trim()) as { id: string; command: string; ok: boolean };
  assert.equal(body.id, 'r1');
  assert.equal(body.command, 'list');
  assert.equal(body.ok, true);
});
