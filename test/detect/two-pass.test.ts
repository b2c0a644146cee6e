/**
 * The second-pass rules of sdk/detect/two-pass.ts with scripted passes (the real detectors on
 * real crops are tested in test/analyzer/frame-filling.e2e.test.ts): when a second pass runs, where
 * its padded region lies, and how the two passes are merged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectInTwoPasses, fillsFrame, retryRegion, RETRY_MARGIN, touchesBorder, type Candidate } from '../../sdk/detect/two-pass.ts';
import type { PixelRect } from '../../sdk/image/index.ts';
import { createFrame } from '../../sdk/image/index.ts';

const frame = createFrame(200, 100);
const face = (x1: number, y1: number, x2: number, y2: number, score: number): Candidate => ({ box: { x1, y1, x2, y2 }, score });
const settings = { enabled: true, nmsIou: 0.4, maxFaces: 0, inputSize: undefined };

/** A pass that answers `first` on the whole frame and `second` (in region pixels) on the padded one. */
function scripted(first: Candidate[], second: Candidate[]) {
  const regions: (PixelRect | undefined)[] = [];
  const pass = async (_frame: unknown, region: PixelRect | undefined) => {
    regions.push(region);
    return region ? second : first;
  };
  return { pass, regions };
}

describe('two-pass detection', () => {
  it('a clean first pass is returned as it is, with no second run', async () => {
    const first = [face(50, 20, 90, 70, 0.9), face(120, 20, 160, 70, 0.8)];
    const { pass, regions } = scripted(first, []);
    const result = await detectInTwoPasses(frame, pass, settings);
    assert.deepEqual(result, first);
    assert.deepEqual(regions, [undefined]);
  });

  it('a face cut by the edge of a wider scene is clean too: padding adds no pixels of it', async () => {
    const first = [face(0, 20, 30, 60, 0.7), face(120, 20, 160, 70, 0.8)];
    const { pass, regions } = scripted(first, []);
    assert.deepEqual(await detectInTwoPasses(frame, pass, settings), first);
    assert.deepEqual(regions, [undefined]);
  });

  it('a box inside a much larger second-pass face is a part of it (an eye), and goes', async () => {
    const eye = face(60, 30, 75, 45, 0.7);
    const filling = face(20, 0, 180, 100, 0.6);
    const { pass } = scripted([eye, filling], [face(20 + 100, 2 + 50, 178 + 100, 98 + 50, 0.95)]);
    assert.deepEqual(await detectInTwoPasses(frame, pass, settings), [face(120 - 100, 2, 178, 98, 0.95)]);
  });

  it('no face: the padded frame is tried, and its faces come back in frame pixels', async () => {
    const region = retryRegion(frame, undefined);
    assert.deepEqual(region, { x: -100, y: -50, width: 400, height: 200 });
    const { pass, regions } = scripted([], [face(100, 50, 300, 150, 0.7)]);
    const result = await detectInTwoPasses(frame, pass, settings);
    assert.deepEqual(regions, [undefined, region]);
    assert.deepEqual(result, [face(0, 0, 200, 100, 0.7)]);
  });

  it('the second pass is skipped when switched off', async () => {
    const { pass, regions } = scripted([], [face(100, 50, 300, 150, 0.7)]);
    assert.deepEqual(await detectInTwoPasses(frame, pass, { ...settings, enabled: false }), []);
    assert.equal(regions.length, 1);
  });

  it('a border face is replaced by its second-pass version; inside faces stay; new faces join; faces in the margin do not', async () => {
    const inside = face(80, 20, 120, 70, 0.95);
    const border = face(0, 10, 40, 60, 0.6);
    const lost = face(185, 80, 200, 100, 0.55); // small border face the coarser pass misses
    const dx = 100, dy = 50; // region offset for a 200x100 frame
    const second = [
      face(-2 + dx, 8 + dy, 42 + dx, 62 + dy, 0.85), // the border face, seen whole
      face(81 + dx, 21 + dy, 119 + dx, 69 + dy, 0.9), // the inside face again: first pass wins
      face(140 + dx, 20 + dy, 170 + dx, 60 + dy, 0.7), // a face the first pass missed
      face(-90 + dx, 10 + dy, -60 + dx, 40 + dy, 0.8), // centre in the black margin
    ];
    const { pass } = scripted([inside, border, lost], second);
    const result = await detectInTwoPasses(frame, pass, settings);
    assert.deepEqual(result, [inside, face(-2, 8, 42, 62, 0.85), face(140, 20, 170, 60, 0.7), lost]);
    assert.deepEqual(await detectInTwoPasses(frame, scripted([inside, border, lost], second).pass, { ...settings, maxFaces: 2 }), result.slice(0, 2));
  });

  it('touching the border: within 1% of the shorter side; filling: also half the width or height; the padded region takes the model aspect', () => {
    assert.ok(touchesBorder({ x1: 0.9, y1: 10, x2: 50, y2: 50 }, frame));
    assert.ok(!fillsFrame({ x1: 0.9, y1: 10, x2: 50, y2: 50 }, frame));
    assert.ok(fillsFrame({ x1: 0.9, y1: 10, x2: 50, y2: 60 }, frame));
    assert.ok(!fillsFrame({ x1: 20, y1: 2, x2: 180, y2: 98 }, frame));
    assert.ok(touchesBorder({ x1: 10, y1: 10, x2: 50, y2: 99.5 }, frame));
    assert.ok(!touchesBorder({ x1: 1.1, y1: 1.1, x2: 198.9, y2: 98.9 }, frame));
    const square = retryRegion({ width: 92, height: 112 }, { width: 640, height: 640 });
    assert.equal(square.width, square.height);
    assert.equal(square.height, Math.round(112 * (1 + 2 * RETRY_MARGIN)));
    assert.ok(square.x <= -46 && square.y === -56);
  });
});
