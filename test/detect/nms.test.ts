import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intersectionOverUnion, selectFaces } from '../../sdk/detect/nms.ts';
import { planInput } from '../../sdk/detect/input-plan.ts';
import type { InputSpec } from '../../sdk/models/manifest.ts';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });

describe('selectFaces', () => {
  it('computes IoU from continuous areas', () => {
    assert.equal(intersectionOverUnion(box(0, 0, 10, 10), box(5, 0, 15, 10)), 50 / 150);
    assert.equal(intersectionOverUnion(box(0, 0, 10, 10), box(10, 0, 20, 10)), 0);
  });

  it('keeps the best of overlapping boxes, sorts by score, honours maxFaces and minFaceSizePx', () => {
    const faces = [
      { box: box(0, 0, 100, 100), score: 0.8 },
      { box: box(5, 5, 105, 105), score: 0.9 }, // IoU ~0.82 with the first
      { box: box(200, 0, 300, 100), score: 0.7 },
      { box: box(400, 0, 410, 50), score: 0.99 }, // 10 px wide
    ];
    const all = selectFaces(faces, { nmsIou: 0.4 });
    assert.deepEqual(
      all.map((f) => f.score),
      [0.99, 0.9, 0.7],
    );
    assert.deepEqual(
      selectFaces(faces, { nmsIou: 0.4, minFaceSizePx: 20 }).map((f) => f.score),
      [0.9, 0.7],
    );
    assert.deepEqual(
      selectFaces(faces, { nmsIou: 0.4, maxFaces: 2 }).map((f) => f.score),
      [0.99, 0.9],
    );
    assert.equal(selectFaces(faces, { nmsIou: 0.9 }).length, 4);
  });
});

describe('planInput', () => {
  const spec = (resize: InputSpec['resize'], stride?: number): InputSpec => ({
    name: 'input',
    shape: [1, 3, 'h', 'w'],
    layout: 'nchw',
    colorOrder: 'rgb',
    mean: [127.5],
    std: [128],
    resize,
    ...(stride ? { stride } : {}),
  });

  it('letterbox fits the long side and truncates the other (insightface scrfd.py detect())', () => {
    const wide = planInput({ width: 1000, height: 500 }, spec('letterbox'), { width: 640, height: 640 });
    assert.deepEqual([wide.resizedWidth, wide.resizedHeight, wide.inputWidth, wide.inputHeight], [640, 320, 640, 640]);
    assert.equal(wide.scaleX, 0.64);
    const tall = planInput({ width: 333, height: 1000 }, spec('letterbox'), { width: 640, height: 640 });
    assert.deepEqual([tall.resizedWidth, tall.resizedHeight], [Math.floor((640 * 333) / 1000), 640]);
    assert.equal(tall.scaleY, 0.64);
  });

  it('stretch ignores aspect; pad rounds up to the stride and only scales down past the cap', () => {
    const s = planInput({ width: 1000, height: 500 }, spec('stretch'), { width: 320, height: 240 });
    assert.deepEqual([s.scaleX, s.scaleY], [0.32, 0.48]);
    const p = planInput({ width: 300, height: 200 }, spec('pad', 32), { width: 640, height: 640 });
    assert.deepEqual([p.resizedWidth, p.resizedHeight, p.inputWidth, p.inputHeight, p.scaleX], [300, 200, 320, 224, 1]);
    const big = planInput({ width: 1280, height: 960 }, spec('pad', 32), { width: 640, height: 640 });
    assert.deepEqual([big.resizedWidth, big.resizedHeight, big.inputWidth, big.inputHeight, big.scaleX], [640, 480, 640, 480, 0.5]);
  });

  it('letterbox with maxUpscale: a small frame is enlarged no more than that; a dynamic input shrinks to fit it', () => {
    const crop = { width: 92, height: 112 };
    const dynamic = planInput(crop, spec('letterbox'), { width: 640, height: 640 }, { maxUpscale: 3 });
    assert.deepEqual([dynamic.resizedWidth, dynamic.resizedHeight, dynamic.inputWidth, dynamic.inputHeight, dynamic.scaleX], [276, 336, 288, 352, 3]);
    const fixed = planInput(crop, { ...spec('letterbox'), shape: [1, 3, 640, 640] }, { width: 640, height: 640 }, { maxUpscale: 3 });
    assert.deepEqual([fixed.resizedWidth, fixed.resizedHeight, fixed.inputWidth, fixed.inputHeight], [276, 336, 640, 640]);
    // Frames that need no more than the cap are planned exactly as without it.
    const photo = { width: 427, height: 240 };
    assert.deepEqual(planInput(photo, spec('letterbox'), { width: 640, height: 640 }, { maxUpscale: 3 }), planInput(photo, spec('letterbox'), { width: 640, height: 640 }));
  });
});
