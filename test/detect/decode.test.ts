/**
 * SCRFD / YuNet decoders and output grouping on synthetic tensors whose expected boxes
 * follow directly from the published decoding rules (anchor centre (col*s, row*s), ...).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { groupOutputs } from '../../sdk/detect/output-groups.ts';
import { decodeScrfd, scrfdLevelRows } from '../../sdk/detect/scrfd-decode.ts';
import { decodeYunet } from '../../sdk/detect/yunet-decode.ts';

describe('decodeScrfd', () => {
  it('places anchor i at cell floor(i/2) with centre (col*s, row*s) and scales distances by s', () => {
    const inputW = 64;
    const inputH = 32;
    const stride = 16;
    const rows = scrfdLevelRows(inputW, inputH, stride, 2); // 4 cols x 2 rows x 2 anchors
    assert.equal(rows, 16);
    const scores = new Float32Array(rows);
    const boxes = new Float32Array(rows * 4);
    const keypoints = new Float32Array(rows * 10);
    // second anchor of cell (row 1, col 2) -> index (1*4+2)*2+1 = 13
    const i = 13;
    scores[i] = 0.9;
    boxes.set([1, 0.5, 2, 1.5], i * 4);
    keypoints.set([-0.5, -0.25, 0.5, -0.25, 0, 0.25, -0.25, 0.75, 0.25, 0.75], i * 10);
    scores[2] = 0.49; // below threshold
    const found = decodeScrfd([{ stride, scores, boxes, keypoints }], inputW, 2, 0.5);
    assert.equal(found.length, 1);
    const [d] = found;
    const cx = 2 * stride;
    const cy = 1 * stride;
    assert.deepEqual(d!.box, { x1: cx - 16, y1: cy - 8, x2: cx + 32, y2: cy + 24 });
    assert.equal(d!.score, scores[i]);
    assert.deepEqual(d!.landmarks[0], { x: cx - 8, y: cy - 4 });
    assert.deepEqual(d!.landmarks[4], { x: cx + 4, y: cy + 12 });
  });
});

describe('decodeYunet', () => {
  it('scores sqrt(cls*obj) with clamping and decodes centre/size/keypoints per cell', () => {
    const stride = 8;
    const inputW = 32;
    const n = (inputW / stride) * 2;
    const cls = new Float32Array(n);
    const obj = new Float32Array(n);
    const boxes = new Float32Array(n * 4);
    const keypoints = new Float32Array(n * 10);
    const i = 6; // row 1, col 2
    cls[i] = 1.2; // clamps to 1
    obj[i] = 0.64;
    boxes.set([0.5, 0.25, Math.log(2), Math.log(3)], i * 4);
    keypoints.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], i * 10);
    cls[0] = 0.9;
    obj[0] = -0.1; // clamps to 0 -> score 0
    const found = decodeYunet([{ stride, cls, obj, boxes, keypoints }], inputW, 0.5);
    assert.equal(found.length, 1);
    const d = found[0]!;
    assert.ok(Math.abs(d.score - 0.8) < 1e-6);
    const cx = (2 + 0.5) * stride;
    const cy = (1 + 0.25) * stride;
    const w = 2 * stride;
    const h = 3 * stride;
    for (const [got, want] of [
      [d.box.x1, cx - w / 2],
      [d.box.y1, cy - h / 2],
      [d.box.x2, cx + w / 2],
      [d.box.y2, cy + h / 2],
    ] as const) {
      assert.ok(Math.abs(got - want) < 1e-4, `${got} vs ${want}`);
    }
    assert.deepEqual(d.landmarks[1], { x: 3 * stride, y: 1 * stride });
    assert.deepEqual(d.landmarks[2], { x: 2.5 * stride, y: 1.5 * stride });
  });
});

describe('groupOutputs', () => {
  const roles = [['score', 'cls'], ['bbox'], ['kps']];
  const strides = [8, 16, 32];

  it('by-order takes graph outputs role-major', () => {
    const graph = ['443', '468', '493', '446', '471', '496', '449', '474', '499'];
    const groups = groupOutputs(graph, { mode: 'by-order', count: 9 }, roles, strides);
    assert.deepEqual(groups, [
      ['443', '468', '493'],
      ['446', '471', '496'],
      ['449', '474', '499'],
    ]);
  });

  it('by-name finds <role>_<stride> whatever the graph order', () => {
    const graph = ['kps_32', 'bbox_8', 'score_16', 'kps_8', 'score_8', 'bbox_32', 'kps_16', 'bbox_16', 'score_32'];
    const groups = groupOutputs(graph, { mode: 'by-name', count: 9 }, roles, strides);
    assert.deepEqual(groups, [
      ['score_8', 'score_16', 'score_32'],
      ['bbox_8', 'bbox_16', 'bbox_32'],
      ['kps_8', 'kps_16', 'kps_32'],
    ]);
  });

  it('by-name with manifest names uses them in role order', () => {
    const graph = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const names = ['i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a'];
    const groups = groupOutputs(graph, { mode: 'by-name', names, count: 9 }, roles, strides);
    assert.deepEqual(groups[0], ['i', 'h', 'g']);
    assert.deepEqual(groups[2], ['c', 'b', 'a']);
  });

  it('names every missing output and the wrong count', () => {
    assert.throws(
      () => groupOutputs(['score_8', 'bbox_8', 'kps_8', 'x', 'y', 'z', 'u', 'v', 'w'], { mode: 'by-name', count: 9 }, roles, strides),
      (e: unknown) => isArcEdgeError(e, 'MODEL_IO_MISMATCH') && /score\|cls_16/.test(e.message) && /kps_32/.test(e.message),
    );
    assert.throws(
      () => groupOutputs(['a', 'b'], { mode: 'by-order', count: 2 }, roles, strides),
      (e: unknown) => isArcEdgeError(e, 'MODEL_IO_MISMATCH') && /needs 9/.test(e.message),
    );
  });
});
