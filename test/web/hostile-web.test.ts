/**
 * Web findings of the security review, in-process: a malformed %-sequence under /assets/ is a
 * 404 with no log line (finding 8: on 1819da4 decodeURIComponent threw, giving a 400 "internal
 * error" and an error-log line per request); the login limiter counts an IPv6 /64 as one client
 * and caps wrong passwords overall (finding 9: per exact address, rotating IPv6 addresses kept
 * scrypt busy); a plain-HTTP network listener is warned about.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createWebApp } from '../../agent/web/app.ts';
import { LoginLimiter } from '../../agent/web/auth-sessions.ts';
import * as server from '../../agent/web/server.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-hostile-web-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a malformed %-sequence under /assets/ is a 404 and logs nothing (finding 8)', async () => {
  mkdirSync(join(work, 'assets'), { recursive: true });
  writeFileSync(join(work, 'assets', 'app.js'), 'console.log(1)');
  const logged: unknown[] = [];
  const deps = { auth: { require: () => async (_c: unknown, next: () => Promise<void>) => next() } };
  const app = createWebApp(deps as never, () => work, { tls: false, log: (e) => void logged.push(e) });
  assert.equal((await app.request('/assets/app.js')).status, 200);
  for (const path of ['/assets/%E0%A4%A', '/assets/%', '/assets/%zz.js', '/assets/..%2f..%2fetc%2fpasswd', '/assets/%00.js']) {
    const r = await app.request(path);
    assert.equal(r.status, 404, `${path}: ${r.status} ${await r.text()}`);
  }
  assert.deepEqual(logged, [], 'no error-log line for a bad URL');
});

test('the login limiter: one IPv6 /64 is one client; wrong passwords are capped overall (finding 9)', () => {
  const limiter = new LoginLimiter(5, 60_000, 10_000, 40);
  const now = 1_000_000;
  // Rotating addresses inside one /64: limited after 5, like one address.
  for (let i = 0; i < 5; i++) limiter.fail(`2001:db8:1:2:${(i + 1).toString(16)}::${i}`, now);
  assert.ok(limiter.retryAfterMs('2001:db8:1:2:ffff::9', now) > 0, 'another address of the same /64 waits');
  assert.equal(limiter.retryAfterMs('2001:db8:1:3::1', now), 0, 'the next /64 does not');
  assert.ok(limiter.retryAfterMs('2001:0db8:0001:0002:0000:0000:0000:0001', now) > 0, 'the long form is the same /64');
  // IPv4 and IPv4-mapped are one client.
  for (let i = 0; i < 5; i++) limiter.fail('::ffff:192.0.2.7', now);
  assert.ok(limiter.retryAfterMs('192.0.2.7', now) > 0);
  // Many /64s: the global cap stops the scrypt work for everyone until the window moves on.
  for (let i = 0; i < 30; i++) limiter.fail(`2001:db8:${i + 100}::1`, now);
  assert.ok(limiter.retryAfterMs('198.51.100.1', now) > 0, 'global cap reached');
  assert.equal(limiter.retryAfterMs('198.51.100.1', now + 60_001), 0, 'and lifted after the window');
});

test('plain HTTP on a network address is warned about; loopback or TLS is not (finding 9)', () => {
  const warn = (server as { insecureListenWarning?: (c: { listen: string; tls?: unknown }) => string | undefined }).insecureListenWarning;
  assert.ok(warn, 'insecureListenWarning exists');
  assert.match(warn({ listen: '0.0.0.0:8080' }) ?? '', /plain HTTP/);
  assert.match(warn({ listen: '[::]:8080' }) ?? '', /plain HTTP/);
  assert.equal(warn({ listen: '127.0.0.1:8080' }), undefined);
  assert.equal(warn({ listen: '0.0.0.0:8443', tls: { cert: 'c', key: 'k' } }), undefined);
});
