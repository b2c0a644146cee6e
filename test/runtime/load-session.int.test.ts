/**
 * loadSession's ordered fallback on a machine with no GPU and no TensorRT addon (the
 * development machines): tensorrt, then cuda, then cpu ends on cpu with one summary line.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { loadSession, probeBackends } from '../../sdk/runtime/index.ts';
import { assetModel } from '../helpers/assets.ts';
import { bbtFace, recognizerBatch } from './faces.ts';

const model = assetModel('fr_feature_512.onnx');

describe('loadSession', async () => {
  const probes = await probeBackends();
  const unavailable = probes.filter((p) => !p.available).map((p) => p.target);
  const noGpuHere = unavailable.includes('tensorrt') && unavailable.includes('cuda');

  it('defaults to cpu and logs nothing when the first target works', async () => {
    const lines: string[] = [];
    const session = await loadSession(model, { logger: (line) => lines.push(line) });
    try {
      assert.equal(session.target, 'cpu');
      assert.deepEqual(lines, []);
      const out = await session.run({ input: recognizerBatch([bbtFace('amy', 1)]) });
      assert.deepEqual(out.output!.dims, [1, 512]);
    } finally {
      await session.dispose();
    }
  });

  it('falls back tensorrt -> cuda -> cpu with ONE line naming both failures', { skip: !noGpuHere && 'a GPU target is available here' }, async () => {
    const lines: string[] = [];
    const session = await loadSession(model, { targets: ['tensorrt', 'cuda', 'cpu'], logger: (line) => lines.push(line) });
    try {
      assert.equal(session.target, 'cpu');
      assert.equal(lines.length, 1, lines.join('\n'));
      const [line] = lines;
      assert.match(line!, /runs on cpu/);
      assert.match(line!, /tensorrt failed: TensorRT addon not built: looked for \S+arcedge_tensorrt\.node/);
      assert.match(line!, /npm run build:tensorrt/);
      assert.match(line!, /cuda failed: .*libonnxruntime_providers_cuda\.so/);
      assert.doesNotMatch(line!, /\n/);
    } finally {
      await session.dispose();
    }
  });

  it('strict throws BACKEND_UNAVAILABLE naming every failure instead of falling back', { skip: !noGpuHere && 'a GPU target is available here' }, async () => {
    const lines: string[] = [];
    await assert.rejects(
      loadSession(model, { targets: ['tensorrt', 'cuda', 'cpu'], strict: true, logger: (line) => lines.push(line) }),
      (error) => {
        assert.ok(isArcEdgeError(error, 'BACKEND_UNAVAILABLE'));
        assert.match(error.message, /tensorrt failed: .*arcedge_tensorrt\.node/);
        assert.match(error.message, /cuda failed: /);
        assert.match(error.message, /would fall back to cpu/);
        const failures = (error.details as { failures: { target: string }[] }).failures.map((f) => f.target);
        assert.deepEqual(failures, ['tensorrt', 'cuda']);
        return true;
      },
    );
    assert.deepEqual(lines, []);
  });

  it('a missing model is MODEL_NOT_FOUND, not a backend failure', async () => {
    await assert.rejects(loadSession('/nonexistent/model.onnx', { targets: ['cuda', 'cpu'] }), (e) => isArcEdgeError(e, 'MODEL_NOT_FOUND'));
  });

  it('a model that is not ONNX fails on every target with BACKEND_UNAVAILABLE listing the cpu load error', async () => {
    await assert.rejects(loadSession(assetModel('../README.md'), { targets: ['cpu'] }), (e) => isArcEdgeError(e, 'BACKEND_UNAVAILABLE') && /cpu failed: onnxruntime \(cpu\) cannot load/.test(e.message));
  });

  it('probeBackends reports every target with a reason', () => {
    assert.deepEqual(probes.map((p) => p.target), ['tensorrt', 'cuda', 'cpu']);
    for (const probe of probes) assert.ok(probe.reason.length > 10, probe.target);
    assert.equal(probes.find((p) => p.target === 'cpu')!.available, true);
  });
});

test('session options are checked by loadSession itself: a typo in a TensorRT option is CONFIG_INVALID naming the key', async () => {

  await assert.rejects(loadSession(model, { tensorrt: { worksapceMb: 512 } } as never), (error: unknown) => {
    assert.ok(isArcEdgeError(error, 'CONFIG_INVALID'), String(error));
    assert.match(error.message, /tensorrt/);
    assert.match(error.message, /worksapceMb/);
    assert.match(error.fix, /workspaceMb/, 'the fix lists the allowed keys');
    return true;
  });
  await assert.rejects(
    loadSession(model, { thread: 2, precision: 'fp8', targets: [] } as never),
    (error: unknown) => isArcEdgeError(error, 'CONFIG_INVALID') && /thread/.test(error.message) && /precision/.test(error.message) && /targets/.test(error.message),
  );
  await assert.rejects(
    loadSession(model, { tensorrt: { inputShapes: { 'input.1': { min: [1, 3], opt: [1, 3], max: [0, 3] } } } } as never),
    (error: unknown) => isArcEdgeError(error, 'CONFIG_INVALID') && /inputShapes\.input\.1\.max/.test(error.message),
  );
});
