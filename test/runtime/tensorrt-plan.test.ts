/**
 * The TensorRT wrapper's own decisions, without a GPU: the optimisation profile (static on
 * DLA), the DLA core range, and the feeds TensorRT cannot take (empty, rank > 8, a DLA
 * engine's non-built shape). The addon checks the same again; that side is compiled by
 * test/tensorrt-check and can only run on a device.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { createTensor } from '../../sdk/runtime/tensor.ts';
import { TENSORRT_MAX_RANK, checkDlaCore, checkTensorRtFeeds, planBuildProfile, staticRunShapes } from '../../sdk/runtime/tensorrt-plan.ts';
import type { TensorInfo } from '../../sdk/runtime/types.ts';

const invalid = (pattern: RegExp) => (error: unknown) => isArcEdgeError(error, 'INVALID_ARGUMENT') && pattern.test(error.message);
const badConfig = (pattern: RegExp) => (error: unknown) => isArcEdgeError(error, 'CONFIG_INVALID') && pattern.test(error.message);
const detector = { min: [1, 3, 320, 320], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] };

describe('planBuildProfile', () => {
  it('GPU: the batch axis spans 1..maxBatch, tuned at optBatch', () => {
    const plan = planBuildProfile({ dlaCore: -1, optBatch: 2, maxBatch: 8, inputShapes: { 'input.1': detector } });
    assert.deepEqual([plan.minBatch, plan.optBatch, plan.maxBatch, plan.exactShapes], [1, 2, 8, false]);
    assert.deepEqual(plan.inputShapes, { 'input.1': detector });
  });

  it('DLA: a static batch (min = opt = max = optBatch), whatever maxBatch says', () => {
    const plan = planBuildProfile({ dlaCore: 0, optBatch: 1, maxBatch: 8, inputShapes: {} });
    assert.deepEqual([plan.minBatch, plan.optBatch, plan.maxBatch, plan.exactShapes], [1, 1, 1, true]);
    const four = planBuildProfile({ dlaCore: 1, optBatch: 4, maxBatch: 8, inputShapes: {} });
    assert.deepEqual([four.minBatch, four.optBatch, four.maxBatch], [4, 4, 4]);
  });

  it('DLA: refuses a dynamic inputShapes range and names the input', () => {
    assert.throws(() => planBuildProfile({ dlaCore: 0, optBatch: 1, maxBatch: 1, inputShapes: { 'input.1': detector } }), badConfig(/input\.1: DLA core 0 runs static shapes only/));
    const fixed = { min: [1, 3, 640, 640], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] };
    assert.equal(planBuildProfile({ dlaCore: 0, optBatch: 1, maxBatch: 1, inputShapes: { 'input.1': fixed } }).exactShapes, true);
  });

  it(`refuses shapes with more than ${TENSORRT_MAX_RANK} axes, bad ranges and bad batches, all at once`, () => {
    const nine = Array.from({ length: 9 }, () => 1);
    assert.throws(
      () =>
        planBuildProfile({
          dlaCore: -1,
          optBatch: 9,
          maxBatch: 8,
          inputShapes: { deep: { min: nine, opt: nine, max: nine }, upside: { min: [1, 3, 640, 640], opt: [1, 3, 320, 320], max: [1, 3, 640, 640] }, ragged: { min: [1, 3], opt: [1, 3, 4], max: [1, 3, 4] } },
        }),
      (error: unknown) => {
        assert.ok(isArcEdgeError(error, 'CONFIG_INVALID'));
        assert.match(error.message, /optBatch 9 is above maxBatch 8/);
        assert.match(error.message, /inputShapes\.deep has rank 9; TensorRT tensors have at most 8 axes/);
        assert.match(error.message, /inputShapes\.upside: need min <= opt <= max/);
        assert.match(error.message, /inputShapes\.ragged: min, opt and max have different ranks/);
        return true;
      },
    );
    assert.throws(() => planBuildProfile({ dlaCore: -1, optBatch: 0, maxBatch: 8, inputShapes: {} }), badConfig(/optBatch must be an integer >= 1/));
  });
});

describe('checkDlaCore', () => {
  it('accepts the GPU (-1) and each core TensorRT reports', () => {
    checkDlaCore(-1, 0);
    checkDlaCore(0, 2);
    checkDlaCore(1, 2);
  });

  it('refuses an index past the last core, with the valid range in the fix', () => {
    assert.throws(() => checkDlaCore(2, 2), (error: unknown) => isArcEdgeError(error, 'CONFIG_INVALID') && /reports 2 DLA cores/.test(error.message) && /0 to 1/.test(error.fix ?? ''));
    assert.throws(() => checkDlaCore(0, 0), (error: unknown) => isArcEdgeError(error, 'CONFIG_INVALID') && /has no DLA/.test(error.fix ?? ''));
    assert.throws(() => checkDlaCore(-2, 2), badConfig(/dlaCore -2/));
    assert.throws(() => checkDlaCore(0.5, 2), badConfig(/dlaCore 0\.5/));
  });
});

describe('checkTensorRtFeeds', () => {
  const face = createTensor('float32', new Float32Array(3 * 112 * 112), [1, 3, 112, 112]);

  it('passes a normal feed', () => {
    checkTensorRtFeeds('fr.onnx', { input: face });
  });

  it('refuses an empty input (a batch of 0 faces) and names it', () => {
    const empty = createTensor('float32', new Float32Array(0), [0, 3, 112, 112]);
    assert.throws(() => checkTensorRtFeeds('fr.onnx', { input: empty }), invalid(/input "input" is empty \(\[0, 3, 112, 112\]\)/));
  });

  it(`refuses a feed with more than ${TENSORRT_MAX_RANK} axes`, () => {
    const deep = createTensor('float32', new Float32Array(1), Array.from({ length: 9 }, () => 1));
    assert.throws(() => checkTensorRtFeeds('m.onnx', { x: deep }), invalid(/rank 9; TensorRT tensors have at most 8 axes/));
  });

  it('on a DLA engine, refuses any shape but the built one', () => {
    const inputs: TensorInfo[] = [{ name: 'input', type: 'float32', shape: [-1, 3, 112, 112] }];
    const shapes = staticRunShapes(inputs, planBuildProfile({ dlaCore: 0, optBatch: 1, maxBatch: 8, inputShapes: {} }));
    assert.deepEqual(shapes, { input: [1, 3, 112, 112] });
    checkTensorRtFeeds('fr.onnx', { input: face }, shapes);
    const two = createTensor('float32', new Float32Array(2 * 3 * 112 * 112), [2, 3, 112, 112]);
    assert.throws(() => checkTensorRtFeeds('fr.onnx', { input: two }, shapes), invalid(/built for exactly \[1, 3, 112, 112\]/));
  });

  it('staticRunShapes takes an explicit DLA profile shape as it is', () => {
    const fixed = { min: [1, 3, 480, 640], opt: [1, 3, 480, 640], max: [1, 3, 480, 640] };
    const plan = planBuildProfile({ dlaCore: 0, optBatch: 1, maxBatch: 1, inputShapes: { input: fixed } });
    assert.deepEqual(staticRunShapes([{ name: 'input', type: 'float32', shape: [-1, 3, -1, -1] }], plan), { input: [1, 3, 480, 640] });
  });
});
