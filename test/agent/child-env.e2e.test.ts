/**
 * Camera children (ffprobe here; ffmpeg and gst-launch go through the same childEnv) get no
 * secrets (finding 10: on 1819da4 they inherited ARCEDGE_GALLERY_KEY and every secret
 * variable). A stand-in ffprobe first on PATH records the environment it was started with.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { probeVideoSize } from '../../agent/sources/probe.ts';
import { childEnv } from '../../agent/sources/child-env.ts';
import { readSecret } from '../../agent/config/secrets.ts';

const work = mkdtempSync(join(tmpdir(), 'arcedge-child-env-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('ffprobe runs without the gallery key, the config\'s secret variables or anything named like a secret', async () => {
  const seen = join(work, 'env.txt');
  writeFileSync(join(work, 'ffprobe'), `#!/bin/sh\nenv > ${seen}\necho '{"streams":[{"width":640,"height":480,"avg_frame_rate":"25/1"}]}'\n`);
  chmodSync(join(work, 'ffprobe'), 0o755);
  const saved = { ...process.env };
  try {
    process.env.PATH = `${work}:${process.env.PATH}`;
    process.env.ARCEDGE_GALLERY_KEY = 'gallery-key-must-not-leak';
    process.env.SITE_MQTT_PW = 'mqtt-password-must-not-leak';
    process.env.SOME_API_TOKEN = 'token-must-not-leak';
    process.env.GST_DEBUG = '1';
    assert.equal(readSecret({ env: 'SITE_MQTT_PW' }), 'mqtt-password-must-not-leak'); // the agent reads it as a secret
    const size = await probeVideoSize(join(work, 'clip.mp4'));
    assert.deepEqual(size, { width: 640, height: 480, fps: 25 });
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const env = readFileSync(seen, 'utf8');
  assert.ok(!env.includes('must-not-leak'), env.split('\n').filter((l) => l.includes('must-not-leak')).join('\n'));
  assert.match(env, /^GST_DEBUG=1$/m, 'ordinary variables stay');
  assert.match(env, /^PATH=/m);
  assert.equal(childEnv({ CREDENTIALS_DIRECTORY: '/run/credentials/x', HOME: '/h' }).CREDENTIALS_DIRECTORY, undefined);
});
