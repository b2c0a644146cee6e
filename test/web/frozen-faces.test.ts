/** Frozen faces: the page gets crops and matches but never embeddings; a token is spent by its enroll and refused once expired. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isArcEdgeError } from '../../sdk/index.ts';
import { FrozenFaces } from '../../agent/web/frozen-faces.ts';
import type { FoundFace } from '../../agent/pipeline/face-types.ts';

const face = (score: number | null): FoundFace => ({
  box: { x1: 10, y1: 20, x2: 110, y2: 140 },
  crop: { width: 112, height: 112, data: new Uint8Array(112 * 112 * 3) },
  cropJpeg: 'AAAA',
  embedding: Float32Array.from({ length: 8 }, (_, i) => i / 10),
  quality: { ok: true, reasons: [] },
  match: score === null ? null : { personId: 'kit', name: 'Kit Harington', score, templateId: 't1' },
});

test('freeze answers every face without its embedding; a token enrolls once and expires', () => {
  const frozen = new FrozenFaces(60_000);
  const t0 = 1_000_000;
  const view = frozen.freeze({ width: 640, height: 480, frameJpeg: 'BBBB', threshold: 0.4, faces: [face(0.71), face(null)] }, 'camera:door', t0);
  assert.equal(view.faces.length, 2);
  assert.equal(view.frame, 'data:image/jpeg;base64,BBBB');
  assert.equal(view.faces[0]!.match?.cropUrl, '/api/people/kit/templates/t1/crop.jpg');
  assert.equal(view.faces[1]!.match, null);
  assert.ok(!JSON.stringify(view).includes('embedding'), 'no embedding leaves the device');
  assert.notEqual(view.faces[0]!.token, view.faces[1]!.token);

  const taken = frozen.take(view.faces[0]!.token, t0 + 1000);
  assert.equal(taken.source, 'camera:door');
  assert.deepEqual([...taken.face.embedding], [...face(null).embedding]);
  frozen.drop(view.faces[0]!.token);
  const spent = (() => {
    try {
      frozen.take(view.faces[0]!.token, t0 + 2000);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(isArcEdgeError(spent) && spent.code === 'NOT_FOUND' && /press Enroll again/.test(spent.fix));
  assert.throws(() => frozen.take(view.faces[1]!.token, t0 + 60_001), /no longer held/);
});
