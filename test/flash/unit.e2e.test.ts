/**
 * The systemd unit install.sh writes (issue 28, items 2 and 5), rendered by install.sh's own
 * write_unit function and checked by `systemd-analyze verify`:
 * - CSI cameras: nvargus-daemon listens on /tmp/argus_socket, so the unit must not give the agent
 *   a private /tmp (PrivateTmp=yes hid it: "Connecting to nvargus-daemon failed" under the
 *   service only), and it starts after nvargus-daemon;
 * - the GPU: JetPack 6 gives CUDA's device nodes to `render`, so the agent needs video and render.
 * No device here: this proves the unit text and that systemd accepts it, not that a camera opens.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../helpers/assets.ts';

const scratch = mkdtempSync(join(tmpdir(), 'arcedge-unit-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** install.sh's write_unit, cut out of the script and run with the variables the install sets. */
function renderUnit(dir: string): string {
  const script = readFileSync(join(repoRoot, 'tools', 'flash', 'install.sh'), 'utf8');
  const fn = /^write_unit\(\) \{\n[\s\S]*?\n\}\n/m.exec(script);
  assert.ok(fn, 'install.sh defines write_unit() { ... }');
  const r = spawnSync('sh', ['-c', `set -eu\nDIR="$1"\nUNIT_USER=arcedge\n${fn[0]}\nwrite_unit`, 'sh', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const directives = (unit: string, key: string): string[] =>
  unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

test('the unit reaches the Argus socket, starts after nvargus-daemon, and has both GPU groups', () => {
  const dir = join(scratch, 'opt-arcedge');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const launcher = join(dir, 'bin', 'arcedge-agent');
  writeFileSync(launcher, '#!/bin/sh\nexit 0\n');
  chmodSync(launcher, 0o755);
  const unit = renderUnit(dir);

  assert.deepEqual(directives(unit, 'PrivateTmp'), ['no'], 'one PrivateTmp, and it is off');
  assert.ok(directives(unit, 'After').some((v) => v.split(/\s+/).includes('nvargus-daemon.service')), unit);
  const groups = directives(unit, 'SupplementaryGroups').flatMap((v) => v.split(/\s+/));
  assert.ok(groups.includes('video') && groups.includes('render'), `SupplementaryGroups: ${groups.join(' ')}`);
  // /tmp stays read-only under ProtectSystem=strict: the agent's temp files go to its data folder.
  assert.deepEqual(directives(unit, 'Environment'), [`TMPDIR=${dir}/data/tmp`]);
  assert.ok(directives(unit, 'ReadWritePaths').some((v) => v.split(/\s+/).includes(`${dir}/data`)));
  assert.deepEqual(directives(unit, 'ExecStart'), [launcher]);

  const path = join(scratch, 'arcedge-agent.service');
  writeFileSync(path, unit);
  const version = spawnSync('systemd-analyze', ['--version']);
  if (version.status !== 0) {
    // CI images have systemd; say plainly when a machine does not rather than pass silently.
    assert.fail('systemd-analyze not found: install systemd to verify the unit');
  }
  const verify = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
  assert.equal(verify.status, 0, `systemd-analyze verify: ${verify.stderr}`);
  assert.doesNotMatch(verify.stderr, /arcedge-agent\.service/, `systemd-analyze warned about the unit: ${verify.stderr}`);
});
