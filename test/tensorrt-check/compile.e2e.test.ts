/**
 * `npm run check:tensorrt` (scripts/check-tensorrt.sh) against the real TensorRT 10.3.0 headers
 * in ../shared/vendor (or $TENSORRT_HEADERS): every addon source compiles, and the check
 * really fails when a source calls an API those headers lack, trips a warning, or uses an
 * 8.6+ name outside its version guard. Syntax only: nothing here runs TensorRT or needs a GPU.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const script = join(repo, 'scripts', 'check-tensorrt.sh');
const sources = join(repo, 'sdk', 'native', 'tensorrt', 'src');
const scratch = mkdtempSync(join(tmpdir(), 'arcedge-trt-check-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function check(...files: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile('bash', [script, ...files], { cwd: repo, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A copy of one addon source with `from` replaced by `to` (which must occur exactly once). */
function mutated(file: string, from: string, to: string): string {
  const text = readFileSync(join(sources, file), 'utf8');
  assert.equal(text.split(from).length, 2, `${file} should contain "${from}" exactly once`);
  const path = join(scratch, `${Math.random().toString(36).slice(2)}-${file}`);
  writeFileSync(path, text.replace(from, to));
  return path;
}

describe('check:tensorrt against the TensorRT 10.3.0 headers', () => {
  it('compiles every addon source with -Werror and finds the version guards intact', async () => {
    const ccFiles = readdirSync(sources).filter((f) => f.endsWith('.cc'));
    const result = await check();
    assert.equal(result.code, 0, `check failed:\n${result.stdout}\n${result.stderr}`);
    for (const file of ccFiles) assert.match(result.stdout, new RegExp(`ok   .*/src/${file.replace('.', '\\.')}\\n`));
    assert.match(result.stdout, new RegExp(`${ccFiles.length} source\\(s\\) compile against TensorRT 10\\.3\\.0 headers`));
  });

  it('fails when a source calls an API the headers do not have (enqueueV2, removed in TensorRT 10.0)', async () => {
    const copy = mutated('engine.cc', 's.context->enqueueV3(s.stream)', 's.context->enqueueV2(nullptr, s.stream, nullptr)');
    const result = await check(copy);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /enqueueV2/);
    assert.match(result.stderr, /FAIL .*engine\.cc/);
  });

  it('fails when a source names an enum member the headers do not have', async () => {
    const copy = mutated('common.cc', 'case nvinfer1::DataType::kBOOL: return "bool";', 'case nvinfer1::DataType::kBOOL: return "bool";\n    case nvinfer1::DataType::kNOT_A_TYPE: return "none";');
    const result = await check(copy);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /kNOT_A_TYPE/);
  });

  it("fails on a warning in the addon's own code (-Werror)", async () => {
    const copy = mutated('addon.cc', 'int dlaCores = 0;', 'int dlaCores = 0;\n  int unusedForTheCheck = 1;');
    const result = await check(copy);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /unusedForTheCheck/);
    assert.match(result.stderr, /-Werror/);
  });

  it('fails on a call TensorRT 10 deprecates (kEXPLICIT_BATCH), though binding.gyp silences deprecations', async () => {
    const copy = mutated('build.cc', 'uint32_t const networkFlags = 0;', 'uint32_t const networkFlags = 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);');
    const result = await check(copy);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /kEXPLICIT_BATCH.* is deprecated \[-Werror=deprecated-declarations\]/);
  });

  it('fails when kFP8 (new in TensorRT 8.6) loses its version guard, naming 8.5.2', async () => {
    const copy = mutated(
      'common.cc',
      '#if ARCEDGE_TRT_AT_LEAST(8, 6)\n    case nvinfer1::DataType::kFP8: return "fp8";\n#endif',
      '    case nvinfer1::DataType::kFP8: return "fp8";',
    );
    const result = await check(copy);
    assert.notEqual(result.code, 0);
    // It compiles against 10.3.0 (kFP8 exists there); only the 8.5.2 guard check catches it.
    assert.match(result.stdout, /ok   .*common\.cc/);
    assert.match(result.stderr, /uses kFP8, which TensorRT 8\.5\.2 does not have/);
    assert.doesNotMatch(result.stderr, /TensorRT 8\.6\.1 does not have/);
  });
});
