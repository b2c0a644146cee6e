/**
 * Every photo in the shared assets decodes to an upright BGR frame with the size and content
 * that an independent decoder (Pillow, with ImageOps.exif_transpose) reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readImage } from '../../sdk/image/index.ts';
import { assetFace } from '../helpers/assets.ts';
import { runPython } from './python.ts';
import { maxGridDifference, PIL_GRID_PY, rgbGrid } from './grid.ts';

const IMAGE_EXTENSIONS = /\.(jpe?g|png|gif|webp|bmp|pgm|ppm|pbm|pnm)$/i;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : IMAGE_EXTENSIONS.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

interface Reference { path: string; width: number; height: number; mode: string; orientation: number; grid: number[][][] }

test('every asset photo decodes like Pillow (size, orientation, channel order, content)', async () => {
  const paths = walk(assetFace()).sort();
  assert.ok(paths.length >= 90, `expected the ~96 asset photos, found ${paths.length}`);
  const references = runPython<Reference[]>(PIL_GRID_PY, paths);
  const modes = new Set<string>();
  let worstOverall = 0;
  for (const ref of references) {
    const frame = await readImage(ref.path);
    modes.add(ref.mode);
    assert.equal(frame.data.length, frame.width * frame.height * 3, ref.path);
    assert.deepEqual([frame.width, frame.height], [ref.width, ref.height], `${ref.path}: size (EXIF orientation ${ref.orientation})`);
    // JPEG decoders may differ in the last bit per pixel; block means then differ by well under 1.
    const worst = maxGridDifference(rgbGrid(frame), ref.grid);
    assert.ok(worst < 1.5, `${ref.path}: 8x8 block means differ from Pillow by up to ${worst.toFixed(2)} grey levels`);
    worstOverall = Math.max(worstOverall, worst);
  }
  console.log(`${references.length} asset images, worst 8x8 block-mean difference from Pillow: ${worstOverall.toFixed(3)}`);
  // The set covers greyscale and 32-bit RGBA PNGs as well as colour JPEGs.
  for (const mode of ['RGB', 'L', 'RGBA']) assert.ok(modes.has(mode), `assets should include a ${mode} image`);
});

test('decoding a typical asset photo is fast enough for an edge device', async () => {
  const path = assetFace('debian', 'messi5.jpg');
  await readImage(path); // load OpenCV first
  const runs = 20;
  const start = performance.now();
  for (let i = 0; i < runs; i++) await readImage(path);
  const ms = (performance.now() - start) / runs;
  console.log(`readImage(messi5.jpg 548x342): ${ms.toFixed(2)} ms per decode`);
  assert.ok(ms < 50, `decode took ${ms.toFixed(1)} ms`);
});
