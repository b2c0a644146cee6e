/** `arcedge doctor` on this machine: cpu loads the test model; tensorrt and cuda say why not. */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { describe, it, mock } from 'node:test';
import { doctorCommand } from '../../tools/commands/doctor.ts';
import { assetModel } from '../helpers/assets.ts';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = mock.method(console, 'log', (...args: unknown[]) => lines.push(args.join(' ')));
  try {
    const code = await doctorCommand(argv);
    return { code, out: lines.join('\n') };
  } finally {
    log.mock.restore();
  }
}

describe('arcedge doctor', () => {
  it('--json reports every target, a real cpu load, and the engine cache', async () => {
    const model = assetModel('fr_feature_512.onnx');
    const { code, out } = await capture(['--model', model, '--json']);
    assert.equal(code, 0);
    const report = JSON.parse(out);
    assert.equal(report.model, model);
    const byTarget = Object.fromEntries(report.targets.map((t: { target: string }) => [t.target, t]));
    assert.deepEqual(Object.keys(byTarget), ['tensorrt', 'cuda', 'cpu']);
    assert.equal(byTarget.cpu.loads, true);
    assert.ok(byTarget.cpu.runMs > 0);
    if (!byTarget.tensorrt.available) assert.match(byTarget.tensorrt.reason, /npm run build:tensorrt/);
    assert.match(report.engineCache, /tensorrt$/); // $ARCEDGE_HOME/tensorrt or $ARCEDGE_ENGINE_CACHE
  });

  it('text output has one line per target and finds the assets model by itself', async () => {
    process.env.ARCEDGE_ASSETS = dirname(dirname(assetModel('fr_feature_512.onnx')));
    const { code, out } = await capture([]);
    assert.equal(code, 0);
    assert.match(out, /test model: .*fr_feature_512\.onnx/);
    assert.match(out, /^ {2}cpu {7}loads/m);
    assert.match(out, /^ {2}tensorrt/m);
    assert.match(out, /^engine cache: /m);
  });

  it('rejects unknown options with exit code 2', async () => {
    const error = mock.method(console, 'error', () => undefined);
    try {
      assert.equal(await doctorCommand(['--bogus']), 2);
    } finally {
      error.mock.restore();
    }
  });
});
