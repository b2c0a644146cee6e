import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/assets.ts';

const home = mkdtempSync(join(tmpdir(), 'arcedge-cli-'));

function arcedge(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, ARCEDGE_HOME: home, ARCEDGE_MODEL_PATH: '' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/arcedge.ts', 'models', ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('arcedge models', () => {
  it('list --json prints every set with its files', () => {
    const r = arcedge('list', '--json');
    assert.equal(r.code, 0, r.stderr);
    const sets = JSON.parse(r.stdout) as { name: string; files: unknown[]; present: number }[];
    assert.ok(sets.some((s) => s.name === 'default' && s.files.length === 4 && s.present === 0));
  });

  it('pull default downloads, prints a table, then verify default --json says ok', () => {
    const pull = arcedge('pull', 'default');
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /fr_feature\.onnx\s+embed\s+download/);
    assert.match(pull.stderr, /stored fr_detect\.onnx/);
    const verify = arcedge('verify', 'default', '--json');
    assert.equal(verify.code, 0, verify.stderr);
    const [report] = JSON.parse(verify.stdout) as { name: string; ok: boolean; models: { status: string }[] }[];
    assert.equal(report?.ok, true);
    assert.deepEqual(report?.models.map((m) => m.status), ['ok', 'ok', 'ok', 'ok']);
  });

  it('verify of a set that is not pulled exits 1; an unknown set names the known ones', () => {
    const missing = arcedge('verify', 'buffalo_l');
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /det_10g\.onnx\s+missing/);
    const unknown = arcedge('verify', 'buffalo_xl');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /MODEL_SET_UNKNOWN.*buffalo_xl.*Known sets: .*default/);
  });

  it('an unknown subcommand prints usage and exits 2', () => {
    const r = arcedge('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown subcommand "frobnicate"/);
    assert.match(r.stderr, /usage: arcedge models/);
    assert.equal(arcedge('pull').code, 2);
  });
});
