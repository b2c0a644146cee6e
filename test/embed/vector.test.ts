import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, l2Normalize } from '../../sdk/embed/index.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';

test('l2Normalize returns a unit vector and leaves zero vectors at zero', () => {
  const v = l2Normalize([3, 4]);
  assert.ok(Math.abs(v[0]! - 0.6) < 1e-6 && Math.abs(v[1]! - 0.8) < 1e-6);
  assert.deepEqual(Array.from(l2Normalize([0, 0, 0])), [0, 0, 0]);
});

test('compare is cosine similarity, scale-invariant, symmetric', () => {
  const a = Float32Array.from([1, 2, 3]);
  const b = Float32Array.from([2, 4, 6]);
  const c = Float32Array.from([-1, -2, -3]);
  assert.ok(Math.abs(compare(a, b) - 1) < 1e-9);
  assert.ok(Math.abs(compare(a, c) + 1) < 1e-9);
  assert.equal(compare(Float32Array.from([1, 0]), Float32Array.from([0, 1])), 0);
  assert.equal(compare(a, b), compare(b, a));
});

test('compare rejects mismatched lengths with INVALID_ARGUMENT', () => {
  assert.throws(() => compare(new Float32Array(512), new Float32Array(128)), (e) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
});
