/**
 * EXIF orientation: a real JPEG with an APP1 Orientation tag written by the test decodes
 * upright. Checked two ways: exactly, against the EXIF 2.3 definition of each value written
 * as a pixel-coordinate formula; and coarsely, against Pillow's ImageOps.exif_transpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeImage, type Frame } from '../../sdk/image/index.ts';
import { assetFace } from '../helpers/assets.ts';
import { runPython } from './python.ts';
import { tempDir, withExifOrientation } from './fixtures.ts';
import { maxGridDifference, PIL_GRID_PY, rgbGrid } from './grid.ts';

const tmp = tempDir('image-exif');
test.after(() => tmp.remove());

/**
 * Where displayed pixel (x, y) comes from in the stored image (w x h stored size), per EXIF:
 * the tag says where the stored 0th row and 0th column are in the displayed picture.
 */
function storedPixelFor(orientation: number, x: number, y: number, w: number, h: number): [number, number] {
  switch (orientation) {
    case 1: return [x, y]; // row 0 top, column 0 left
    case 2: return [w - 1 - x, y]; // row 0 top, column 0 right
    case 3: return [w - 1 - x, h - 1 - y]; // row 0 bottom, column 0 right
    case 4: return [x, h - 1 - y]; // row 0 bottom, column 0 left
    case 5: return [y, x]; // row 0 left, column 0 top
    case 6: return [y, h - 1 - x]; // row 0 right, column 0 top
    case 7: return [w - 1 - y, h - 1 - x]; // row 0 right, column 0 bottom
    case 8: return [w - 1 - y, x]; // row 0 left, column 0 bottom
    default: throw new Error(`orientation ${orientation}`);
  }
}

test('all 8 EXIF orientations are applied (exact against the EXIF definition, and like Pillow)', () => {
  const source = readFileSync(assetFace('debian', 'messi5.jpg'));
  const stored = decodeImage(source);
  const paths: string[] = [];
  for (let orientation = 1; orientation <= 8; orientation++) {
    const bytes = withExifOrientation(source, orientation);
    const frame = decodeImage(bytes, `exif-${orientation}.jpg`);
    const swapped = orientation >= 5;
    assert.deepEqual([frame.width, frame.height], swapped ? [stored.height, stored.width] : [stored.width, stored.height], `orientation ${orientation}: size`);
    assert.ok(equalsRemapped(frame, stored, orientation), `orientation ${orientation}: pixels`);
    // With orientation handling off, the stored pixels come back unchanged.
    assert.deepEqual(decodeImage(bytes, 'raw', { applyExifOrientation: false }).width, stored.width);
    paths.push(tmp.file(`exif-${orientation}.jpg`));
    writeFileSync(paths.at(-1)!, bytes);
  }
  const references = runPython<{ orientation: number; width: number; height: number; grid: number[][][] }[]>(PIL_GRID_PY, paths);
  references.forEach((ref, k) => {
    assert.equal(ref.orientation, k + 1, 'Pillow reads the tag we wrote');
    const frame = decodeImage(readFileSync(paths[k]!));
    assert.deepEqual([frame.width, frame.height], [ref.width, ref.height]);
    const worst = maxGridDifference(rgbGrid(frame), ref.grid);
    assert.ok(worst < 1.5, `orientation ${k + 1}: block means differ from Pillow by ${worst.toFixed(2)}`);
  });
});

function equalsRemapped(frame: Frame, stored: Frame, orientation: number): boolean {
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const [sx, sy] = storedPixelFor(orientation, x, y, stored.width, stored.height);
      const o = (y * frame.width + x) * 3, s = (sy * stored.width + sx) * 3;
      if (frame.data[o] !== stored.data[s] || frame.data[o + 1] !== stored.data[s + 1] || frame.data[o + 2] !== stored.data[s + 2]) return false;
    }
  }
  return true;
}
