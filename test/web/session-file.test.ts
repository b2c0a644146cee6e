/** Web sessions kept in a file: they survive a restart (a new store on the same file), logout and expiry end them, and the file holds no usable cookie. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSessionStore } from '../../agent/web/session-file.ts';

test('a session survives a restart, ends at logout and at expiry, and the file holds only hashes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-sessions-'));
  try {
    const file = join(dir, 'web-sessions.json');
    const hour = 3_600_000;
    const before = new FileSessionStore(file, hour);
    const kept = before.create();
    const ended = before.create();
    const short = before.create(Date.now() - hour + 50); // expires 50 ms from now

    const after = new FileSessionStore(file, hour); // the agent restarted
    assert.deepEqual(after.get(kept.id), kept);
    assert.equal(after.get('not-a-session'), undefined);
    after.delete(ended.id);
    assert.equal(new FileSessionStore(file, hour).get(ended.id), undefined, 'a logout lasts across a restart');
    assert.equal(new FileSessionStore(file, hour).get(short.id, Date.now() + 100), undefined, 'an expired session is gone');

    const text = readFileSync(file, 'utf8');
    for (const s of [kept, ended, short]) assert.ok(!text.includes(s.id), 'the raw session id is never written');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    writeFileSync(file, '{ not json');
    const logged: string[] = [];
    const broken = new FileSessionStore(file, hour, (m) => logged.push(m));
    assert.equal(broken.get(kept.id), undefined, 'an unreadable file is an empty store');
    assert.match(logged.join('\n'), /unreadable/);
    assert.ok(broken.get(broken.create().id), 'and logins work again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
