/**
 * install.sh runs as root against <dir>/data, which belongs to the service account: whatever
 * that account planted there must not be written through (finding 2). Runs the real
 * install.sh's config step (--config-only) with links planted where the config and a trusted key
 * go: the link is replaced by a regular 0600 file and its target is untouched (on 1819da4, `cp`
 * followed the link into data/agent.yaml.new and data/keys/*.pem, overwrote the target and
 * chmodded it). Also: the gallery key is installed root-only and the unit gets LoadCredential=,
 * and the OpenCV binding cache is outside data/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../helpers/assets.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-install-priv-'));
after(() => rmSync(work, { recursive: true, force: true }));
const script = readFileSync(join(repoRoot, 'tools', 'flash', 'install.sh'), 'utf8');

test('the config step replaces planted links instead of writing through them (finding 2)', () => {
  const bundle = join(work, 'bundle');
  mkdirSync(join(bundle, 'config'), { recursive: true });
  mkdirSync(join(bundle, 'keys'));
  mkdirSync(join(bundle, 'credentials'));
  writeFileSync(join(bundle, 'install.sh'), script, { mode: 0o755 });
  writeFileSync(join(bundle, 'config', 'agent.yaml'), 'device: { id: d }\n');
  writeFileSync(join(bundle, 'keys', 'public.pem'), '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n');
  writeFileSync(join(bundle, 'credentials', 'gallery-key'), 'a-long-gallery-key\n', { mode: 0o600 });
  const dir = join(work, 'opt');
  mkdirSync(join(dir, 'data', 'keys'), { recursive: true });
  // What a compromised service account plants: links to files root would then overwrite.
  const victims = ['victim-config', 'victim-key', 'victim-stage'].map((n) => join(work, n));
  for (const v of victims) writeFileSync(v, 'root-owned content\n', { mode: 0o644 });
  symlinkSync(victims[0]!, join(dir, 'data', 'agent.yaml'));
  symlinkSync(victims[1]!, join(dir, 'data', 'keys', 'public.pem'));
  symlinkSync(victims[2]!, join(dir, 'data', 'agent.yaml.new'));
  const r = spawnSync('sh', [join(bundle, 'install.sh'), '--dir', dir, '--config-only'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  for (const v of victims) {
    assert.equal(readFileSync(v, 'utf8'), 'root-owned content\n', `${v} was written through a link`);
    assert.equal(statSync(v).mode & 0o777, 0o644, `${v} was chmodded through a link`);
  }
  for (const f of [join(dir, 'data', 'agent.yaml'), join(dir, 'data', 'keys', 'public.pem')]) {
    const st = lstatSync(f);
    assert.ok(st.isFile() && !st.isSymbolicLink(), `${f} is a regular file now`);
    assert.equal(st.mode & 0o777, 0o600);
  }
  assert.equal(readFileSync(join(dir, 'data', 'agent.yaml'), 'utf8'), 'device: { id: d }\n');
  // The gallery key: outside data/, owner-only.
  const cred = join(dir, 'credentials', 'gallery-key');
  assert.equal(statSync(cred).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'credentials')).mode & 0o777, 0o700);
  // A planted link in place of data/ itself is refused outright.
  const dir2 = join(work, 'opt2');
  mkdirSync(dir2);
  mkdirSync(join(work, 'elsewhere', 'keys'), { recursive: true });
  symlinkSync(join(work, 'elsewhere'), join(dir2, 'data'));
  const refused = spawnSync('sh', [join(bundle, 'install.sh'), '--dir', dir2, '--config-only'], { encoding: 'utf8' });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stdout, /ARCEDGE_ERROR UNSAFE_PATH/);
});

test('the unit and launcher: LoadCredential for the gallery key, the OpenCV binding from the root-owned cache, chown without following links', () => {
  assert.match(script, /LoadCredential=gallery-key:\$GALLERY_KEY_CRED/);
  assert.match(script, /ARCEDGE_OPENCV_HOME="\$DIR\/cache"/);
  assert.match(script, /export ARCEDGE_HOME="\$DIR\/cache" ARCEDGE_OPENCV_HOME="\$DIR\/cache"/, 'root\'s arcedge setup never loads from data/');
  assert.match(script, /chown -hRP "\$UNIT_USER:\$UNIT_USER" "\$DIR\/data"/);
  assert.ok(!/chown -R "\$UNIT_USER/.test(script));
  assert.ok(/ReadWritePaths=\$DIR\/data\n/.test(script) && !/ReadWritePaths=.*\$DIR\/cache/.test(script), 'the code cache is not writable by the service');
});

test('--gallery-key-file: refused unless 0600; shipped as credentials/gallery-key, 0600', async () => {
  const { addGalleryKey } = await import('../../tools/flash/bundle.ts');
  const { isArcEdgeError } = await import('../../sdk/index.ts');
  const { chmodSync } = await import('node:fs');
  const key = join(work, 'gallery.key');
  writeFileSync(key, 'a-long-random-gallery-key\n', { mode: 0o644 });
  chmodSync(key, 0o644);
  const staging = join(work, 'staging');
  mkdirSync(staging);
  assert.throws(() => addGalleryKey(staging, key, () => {}), (e) => isArcEdgeError(e, 'CONFIG_INVALID') && /chmod 600/.test(e.fix));
  chmodSync(key, 0o600);
  addGalleryKey(staging, key, () => {});
  const shipped = join(staging, 'credentials', 'gallery-key');
  assert.equal(readFileSync(shipped, 'utf8'), 'a-long-random-gallery-key\n');
  assert.equal(statSync(shipped).mode & 0o777, 0o600);
});
