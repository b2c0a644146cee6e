/**
 * Web auth against a real agent: every API route (walked from the router's own table) answers
 * 401 without auth and no image route sends bytes; cookie flags; CSRF on state changes;
 * bearer tokens; logout; security headers; 20 wrong passwords are rate limited (429 with
 * Retry-After, even for the right password while limited). Plus the scrypt hash format and
 * HTTPS with a Secure cookie when a certificate is configured.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { API_ROUTES } from '../../agent/web/api/routes.ts';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../sdk/internal.ts';
import { repoRoot } from '../helpers/assets.ts';
import { bearer, fillPath, freePort, PASSWORD, startWebAgent, webConfig, type WebAgent } from './web-harness.ts';

const dir = join(repoRoot, 'test', '.tmp', 'web-auth');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
let web: WebAgent;
before(async () => {
  web = await startWebAgent(dir, await webConfig(dir));
});
after(async () => {
  await web?.agent.kill('SIGTERM');
});

const isJpeg = (bytes: Uint8Array) => bytes.length > 2 && bytes[0] === 0xff && bytes[1] === 0xd8;

async function login(password = PASSWORD): Promise<{ status: number; cookie: string; csrf: string; setCookie: string; retryAfter: string | null }> {
  const r = await fetch(`${web.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  const setCookie = r.headers.get('set-cookie') ?? '';
  const json = (await r.json()) as { csrfToken?: string };
  return { status: r.status, cookie: setCookie.split(';')[0]!, csrf: json.csrfToken ?? '', setCookie, retryAfter: r.headers.get('retry-after') };
}

test('scrypt hashes: parameters in the hash, right password verifies, wrong one does not, bad hashes are refused', async () => {
  const hash = await hashPassword('a long password');
  assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  const parsed = parsePasswordHash(hash, 'test');
  assert.equal(await verifyPassword('a long password', parsed), true);
  assert.equal(await verifyPassword('a long passwore', parsed), false);
  assert.notEqual(await hashPassword('a long password'), hash, 'a fresh salt each time');
  for (const bad of ['scrypt$1000$8$1$a$b', 'bcrypt$x', hash.replace('scrypt', 'scrypT'), 'scrypt$32768$8$1$$']) assert.throws(() => parsePasswordHash(bad, 'test'), /CONFIG_INVALID|not a scrypt/);
});

test('without a session every API route answers 401, and no image route sends image bytes', async () => {
  assert.ok(API_ROUTES.length >= 19, `${API_ROUTES.length} routes in the table`);
  for (const route of API_ROUTES.filter((r) => !r.public)) {
    const url = `${web.url}${fillPath(route.path, { id: 'door' })}`;
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token-wrong-token' }, { cookie: 'arcedge_session=forged' }] as Record<string, string>[]) {
      const r = await fetch(url, { method: route.method, headers: { ...headers, 'content-type': 'application/json' }, ...(route.method === 'POST' ? { body: '{"name":"x","image":"x","password":"x","into":"x"}' } : {}) });
      const bytes = new Uint8Array(await r.arrayBuffer());
      assert.equal(r.status, 401, `${route.method} ${route.path} with ${JSON.stringify(headers)}: ${r.status}`);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/, `${route.method} ${route.path}`);
      assert.equal(isJpeg(bytes), false, `${route.method} ${route.path} sent image bytes`);
      assert.equal((JSON.parse(Buffer.from(bytes).toString('utf8')) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    }
  }
  // A route nobody registered is no way around auth either.
  assert.equal((await fetch(`${web.url}/api/not-a-route`)).status, 401);
});

test('login sets an HttpOnly SameSite=Strict cookie; state changes need the session\'s CSRF token; logout ends the session', async () => {
  const wrong = await login('not the password');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.setCookie, '');
  const s = await login();
  assert.equal(s.status, 200);
  assert.match(s.setCookie, /^arcedge_session=[\w-]{40,};/);
  assert.match(s.setCookie, /HttpOnly/);
  assert.match(s.setCookie, /SameSite=Strict/);
  assert.match(s.setCookie, /Path=\//);
  assert.doesNotMatch(s.setCookie, /Secure/, 'plain HTTP: no Secure flag (the browser would drop the cookie)');
  assert.ok(s.csrf.length >= 40);

  const status = await fetch(`${web.url}/api/status`, { headers: { cookie: s.cookie } });
  assert.equal(status.status, 200);
  const body = (await status.json()) as Record<string, unknown>;
  for (const key of ['device', 'agentVersion', 'models', 'backend', 'precision', 'cameras', 'memory', 'recentErrors']) assert.ok(key in body, `status has ${key}`);
  assert.equal(((await (await fetch(`${web.url}/api/session`, { headers: { cookie: s.cookie } })).json()) as { csrfToken: string }).csrfToken, s.csrf);

  const rename = (headers: Record<string, string>) => fetch(`${web.url}/api/people/nobody/rename`, { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', ...headers }, body: '{"name":"X"}' });
  for (const headers of [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': `${s.csrf}x` }] as Record<string, string>[]) {
    const r = await rename(headers);
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'CSRF_INVALID');
  }
  const forget = await fetch(`${web.url}/api/people/nobody`, { method: 'DELETE', headers: { cookie: s.cookie } });
  assert.equal(forget.status, 403, 'DELETE without the CSRF token');
  const withToken = await rename({ 'x-csrf-token': s.csrf });
  assert.equal(withToken.status, 404, 'with the token the request goes through (and finds nobody)');

  const other = await login();
  assert.equal((await fetch(`${web.url}/api/people/nobody/rename`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': other.csrf, 'content-type': 'application/json' }, body: '{"name":"X"}' })).status, 403, 'another session\'s token does not work');

  assert.equal((await fetch(`${web.url}/api/logout`, { method: 'POST', headers: { cookie: s.cookie } })).status, 403, 'logout is a state change too');
  assert.equal((await fetch(`${web.url}/api/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } })).status, 200);
  assert.equal((await fetch(`${web.url}/api/status`, { headers: { cookie: s.cookie } })).status, 401, 'the session is gone after logout');
});

test('a bearer token works without a cookie or CSRF token; a wrong one does not', async () => {
  assert.equal((await bearer(`${web.url}/api/status`)).status, 200);
  assert.equal((await bearer(`${web.url}/api/people`)).status, 200);
  const r = await bearer(`${web.url}/api/people/nobody/rename`, { method: 'POST', body: '{"name":"X"}' });
  assert.equal(r.status, 404, 'no CSRF token needed: the request reaches the gallery');
  assert.equal((await fetch(`${web.url}/api/status`, { headers: { authorization: 'Bearer ' } })).status, 401);
});

test('security headers: CSP without inline scripts, nosniff, no framing, no referrer; API answers are not cached', async () => {
  for (const path of ['/', '/api/status']) {
    const r = await fetch(`${web.url}${path}`);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    if (path.startsWith('/api')) assert.equal(r.headers.get('cache-control'), 'no-store');
  }
  assert.equal((await fetch(`${web.url}/assets/../../package.json`)).status, 404, 'no path out of the assets folder');
});

test('20 wrong passwords in a row are rate limited: 429 with Retry-After, even for the right password', async () => {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 20; i++) {
    const r = await login(`wrong-${i}`);
    statuses.push(r.status);
    retryAfter ??= r.retryAfter;
  }
  // One wrong password was sent by an earlier test from this address; the limit is 5 a minute.
  assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401], 'the first few are plain wrong passwords');
  assert.ok(statuses.slice(5).every((s) => s === 429), `limited after 5: ${statuses.join(',')}`);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
  const right = await login();
  assert.equal(right.status, 429, 'while limited even the right password waits');
  assert.equal(right.setCookie, '');
});

test('a burst of parallel wrong passwords cannot overtake the limit: exactly 5 are checked', async () => {
  // In process: the real WebAuth and login route on a Hono app, 20 logins sent at once.
  const { Hono } = await import('hono');
  const { WebAuth } = await import('../../agent/web/auth.ts');
  const { SESSION_ROUTES } = await import('../../agent/web/api/session.ts');
  const auth = new WebAuth({ listen: '127.0.0.1:0', passwordHash: await hashPassword(PASSWORD), sessionHours: 1, loginAttemptsPerMinute: 5, liveFps: 1 });
  const { errorResponse } = await import('../../agent/web/app.ts');
  const app = new Hono();
  app.onError(errorResponse);
  const route = SESSION_ROUTES.find((r) => r.path === '/api/login')!;
  app.post(route.path, (c) => route.handler(c as never, { auth } as never));
  const send = (password: string) => app.request('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => send(`burst-${i}`)))).map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 429).length, 15, statuses.join(','));
});

test('HTTPS when a certificate is configured: the session cookie gets Secure', { timeout: 150_000 }, async (t) => {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true });
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not installed');
    return;
  }
  execFileSync('chmod', ['600', join(tlsDir, 'key.pem')]);
  const config = await webConfig(tlsDir);
  const tlsWeb = await startWebAgent(tlsDir, { ...config, web: { ...(config.web as object), listen: `127.0.0.1:${await freePort()}`, tls: { cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem') } } });
  try {
    assert.match(tlsWeb.url, /^https:/);
    // The test trusts its own throwaway certificate only for this request.
    const { request } = await import('node:https');
    const setCookie = await new Promise<string>((resolve, reject) => {
      const req = request(`${tlsWeb.url}/api/login`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie']?.[0] ?? ''));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ password: PASSWORD }));
    });
    assert.match(setCookie, /Secure/);
    assert.match(setCookie, /HttpOnly/);
  } finally {
    await tlsWeb.agent.kill('SIGTERM');
  }
});

test('sessions expire; the login limiter forgets failures after its window', async () => {
  const { SessionStore, LoginLimiter } = await import('../../agent/web/auth-sessions.ts');
  const store = new SessionStore(1000);
  const s = store.create(0);
  assert.equal(store.get(s.id, 999)?.id, s.id);
  assert.equal(store.get(s.id, 1000), undefined, 'expired at its lifetime');
  assert.equal(store.get(s.id, 10), undefined, 'and gone for good');
  const limiter = new LoginLimiter(3, 60_000);
  for (const t of [0, 10, 20]) limiter.fail('a', t);
  assert.equal(limiter.retryAfterMs('a', 30), 59_970);
  assert.equal(limiter.retryAfterMs('b', 30), 0, 'per address');
  assert.equal(limiter.retryAfterMs('a', 60_001), 0, 'the oldest failure left the window');
});

test('config: web files readable by others, a malformed hash, or no auth at all are refused at load', async () => {
  const { parseConfig } = await import('../../agent/config/load.ts');
  const { writeFileSync } = await import('node:fs');
  const base = { device: { id: 'x' }, cameras: [{ id: 'c', source: 'file:///dev/null' }] };
  const open = join(dir, 'open-token');
  writeFileSync(open, 'x'.repeat(40), { mode: 0o644 });
  execFileSync('chmod', ['644', open]);
  assert.throws(() => parseConfig({ ...base, web: { tokenFile: open } }, dir), /web\.tokenFile: .* has mode 0644; run chmod 600/);
  assert.throws(() => parseConfig({ ...base, web: { passwordHash: 'scrypt$oops' } }, dir), /arcedge web-password/);
  assert.throws(() => parseConfig({ ...base, web: {} }, dir), /needs passwordHash, passwordHashFile or tokenFile/);
  const ok = parseConfig({ ...base, web: { passwordHash: await hashPassword('a long password') } }, dir);
  assert.equal(ok.web!.listen, '127.0.0.1:8080', 'localhost only by default');
});
