/**
 * One subject-selection rule (issue 24 item 6): insightface's score (box area minus twice the
 * squared offset of its centre from the image centre) by default, `largest` and `all` on request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectSubject, subjectScore } from '../../sdk/detect/index.ts';

const frame = { width: 640, height: 480 };
const box = (cx: number, cy: number, side: number) => ({ box: { x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2 }, id: `${cx},${cy},${side}` });

test('the score is area minus 2x the squared centre offset (insightface detect(max_num) metric "default")', () => {
  // 100x100 box centred at (370, 280): area 10000, offset (50, 40) -> 2 * 4100 = 8200.
  assert.equal(subjectScore(box(370, 280, 100).box, frame), 10000 - 8200);
});

test('a bystander at the edge, larger than the central subject, is not chosen by default', () => {
  const subject = box(320, 240, 120); // 14400, centred
  const bystander = box(600, 300, 160); // 25600 - 2*(280^2 + 60^2) = -138400
  assert.equal(selectSubject([bystander, subject], frame)[0]!.id, subject.id);
  assert.equal(selectSubject([bystander, subject], frame, 'largest')[0]!.id, bystander.id);
  assert.deepEqual(selectSubject([bystander, subject], frame, 'all').map((f) => f.id), [bystander.id, subject.id]);
});

test('one face or none: every rule returns it as is', () => {
  for (const rule of ['centre', 'largest', 'all'] as const) {
    assert.deepEqual(selectSubject([], frame, rule), []);
    assert.equal(selectSubject([box(10, 10, 20)], frame, rule).length, 1);
  }
});
