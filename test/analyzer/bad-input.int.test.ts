/**
 * Bad input never crashes the analyzer and never leaks: each case is a typed ArcEdgeError with a
 * code a caller can switch on and a message that says what to do, and the analyzer keeps working
 * afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createFaceAnalyzer, type FaceAnalyzer } from '../../sdk/analyzer/index.ts';
import { createFrame, encodePng, readImage } from '../../sdk/image/index.ts';
import { isArcEdgeError, type ArcEdgeErrorCode } from '../../sdk/errors.ts';
import { assetFace } from '../helpers/assets.ts';
import { SCRFD_FR512 } from './model-sets.ts';
import { pngClaiming } from '../helpers/png.ts';

let analyzer: FaceAnalyzer;
before(async () => {
  analyzer = await createFaceAnalyzer({ models: SCRFD_FR512() });
});
after(() => analyzer.dispose());

async function rejectsWith(promise: Promise<unknown>, code: ArcEdgeErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isArcEdgeError(error, code), `expected ${code}, got ${String((error as Error)?.stack ?? error)}`);
    assert.ok(error.message.length > 20, 'the message explains the problem');
    return true;
  });
}

test('bytes that are not an image: IMAGE_UNSUPPORTED', async () => {
  await rejectsWith(analyzer.analyze(new TextEncoder().encode('this is not an image, just text')), 'IMAGE_UNSUPPORTED');
});

test('an empty buffer: IMAGE_EMPTY', async () => {
  await rejectsWith(analyzer.analyze(new Uint8Array(0)), 'IMAGE_EMPTY');
});

test('a 1x1 image (bytes or frame): IMAGE_TOO_SMALL', async () => {
  await rejectsWith(analyzer.analyze(encodePng(createFrame(1, 1))), 'IMAGE_TOO_SMALL');
  await rejectsWith(analyzer.analyze(createFrame(1, 1)), 'IMAGE_TOO_SMALL');
});

test('a 12000x12000 encoded image: IMAGE_TOO_LARGE from the header, without allocating it', async () => {
  const bytes = pngClaiming(12000, 12000);
  const before = process.memoryUsage().rss;
  await rejectsWith(analyzer.analyze(bytes), 'IMAGE_TOO_LARGE');
  const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
  assert.ok(grownMb < 100, `RSS grew ${grownMb.toFixed(0)} MB; a decoded 12000x12000 frame would be 412 MB`);
});

test('a 12000x12000 Frame is downscaled and analysed, not refused', async () => {
  const faces = await analyzer.analyze(createFrame(12000, 12000)); // black: no faces, but no error either
  assert.deepEqual(faces, []);
});

test('a Frame over maxImagePixels gives the same faces, in the caller\'s pixels', async () => {
  const frame = await readImage(assetFace('debian', 'messi5.jpg'));
  const small = await createFaceAnalyzer({ models: SCRFD_FR512(), maxImagePixels: Math.floor((frame.width * frame.height) / 4) });
  try {
    const [full] = await analyzer.analyze(frame);
    const [halved] = await small.analyze(frame);
    assert.ok(full && halved, 'the face is found at both scales');
    const size = full.box.x2 - full.box.x1;
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) {
      assert.ok(Math.abs(full.box[k] - halved.box[k]) < 0.08 * size, `${k}: ${full.box[k]} vs ${halved.box[k]}`);
    }
    assert.ok(Math.abs(full.quality.metrics.faceSizePx - halved.quality.metrics.faceSizePx) < 0.1 * size);
  } finally {
    await small.dispose();
  }
});

test('malformed frames and wrong argument types: INVALID_ARGUMENT', async () => {
  await rejectsWith(analyzer.analyze({ data: new Uint8Array(10), width: 100, height: 100 }), 'INVALID_ARGUMENT');
  await rejectsWith(analyzer.analyze(42 as never), 'INVALID_ARGUMENT');
  await rejectsWith(analyzer.analyze(null as never), 'INVALID_ARGUMENT');
});

test('a missing file: IMAGE_NOT_FOUND; a truncated JPEG: IMAGE_CORRUPT', async () => {
  await rejectsWith(analyzer.analyze('/nonexistent/photo.jpg'), 'IMAGE_NOT_FOUND');
  const jpeg = readFileSync(assetFace('debian', 'messi5.jpg'));
  await rejectsWith(analyzer.analyze(jpeg.subarray(0, jpeg.length >> 1)), 'IMAGE_CORRUPT');
});

test('after all that, the analyzer still works', async () => {
  const faces = await analyzer.analyze(assetFace('debian', 'messi5.jpg'));
  assert.equal(faces.length, 1);
  assert.equal(faces[0]!.embedding.length, 512);
});
