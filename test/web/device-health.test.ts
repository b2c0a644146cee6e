/** The Device page's data: problems grouped in plain words (retries counted once, refusals apart) and the machine's figures read from /proc and /sys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { groupProblems } from '../../agent/web/api/device.ts';
import { HostMonitor } from '../../agent/web/host-health.ts';
import type { LoggedProblem } from '../../agent/log.ts';

test('an RTSP retry logged 12 times is one line with its count; a refused enroll is not an error', () => {
  const problems: LoggedProblem[] = [];
  for (let i = 0; i < 12; i++) {
    problems.push({ ts: `2026-12-07T10:00:${String(i).padStart(2, '0')}.000Z`, level: 'warn', msg: 'camera state', fields: { camera: 'gate', state: 'offline', reason: `rtsp connect refused; retry in ${1000 * (i + 1)} ms` } });
  }
  problems.push({ ts: '2026-12-07T10:01:00.000Z', level: 'warn', msg: 'command failed', fields: { command: 'enroll', id: 'r1', code: 'FACE_NOT_FOUND' } });
  problems.push({ ts: '2026-12-07T10:02:00.000Z', level: 'error', msg: 'event not stored', fields: { error: 'SQLITE_FULL: database or disk is full', event: 'e1' } });
  const { errors, refused } = groupProblems(problems);
  assert.equal(refused, 1);
  assert.equal(errors.length, 2, JSON.stringify(errors));
  const camera = errors.find((e) => e.text.startsWith('Camera gate is offline'))!;
  assert.equal(camera.count, 12);
  assert.equal(camera.firstTs, problems[0]!.ts);
  assert.equal(camera.lastTs, problems[11]!.ts);
  assert.match(camera.text, /rtsp connect refused/);
  assert.equal(errors[0]!.text, 'Event not stored: SQLITE_FULL: database or disk is full', 'newest first, in words');
  assert.ok(!errors.some((e) => /\{/.test(e.text)), 'no raw JSON');
});

test('the machine: cores, CPU use between two reads, memory, disk of the data folder', async () => {
  const monitor = new HostMonitor(tmpdir());
  monitor.read();
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += Math.sqrt(i); // some CPU time between the two reads
  assert.ok(x > 0);
  const h = monitor.read();
  assert.ok(h.cpu.cores >= 1);
  assert.ok(h.cpu.usePercent !== null && h.cpu.usePercent >= 0 && h.cpu.usePercent <= 100, String(h.cpu.usePercent));
  assert.ok(h.memory && h.memory.totalMb > 0 && h.memory.availableMb <= h.memory.totalMb);
  assert.ok(h.disk && h.disk.totalMb > 0 && h.disk.freeMb <= h.disk.totalMb);
  for (const t of h.temperatures) assert.ok(t.celsius > -40 && t.celsius < 150, JSON.stringify(t));
});
