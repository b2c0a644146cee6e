/**
 * A coarse fingerprint of an image: the mean of each colour channel over an 8x8 grid of
 * blocks (block edges at floor(i*size/8)). It catches wrong orientation, swapped channels
 * and wrong content while tolerating the last-bit differences between JPEG decoders.
 * The Python side computes the same numbers with Pillow + numpy (PIL_GRID_PY).
 */
import type { Frame } from '../../sdk/image/frame.ts';

export const GRID = 8;

/** [row][col][r, g, b] block means, RGB order to match Pillow. */
export function rgbGrid(frame: Frame): number[][][] {
  const grid: number[][][] = [];
  for (let gy = 0; gy < GRID; gy++) {
    const y0 = Math.floor((gy * frame.height) / GRID), y1 = Math.floor(((gy + 1) * frame.height) / GRID);
    const row: number[][] = [];
    for (let gx = 0; gx < GRID; gx++) {
      const x0 = Math.floor((gx * frame.width) / GRID), x1 = Math.floor(((gx + 1) * frame.width) / GRID);
      const sum = [0, 0, 0];
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const o = (y * frame.width + x) * 3;
          sum[0] += frame.data[o + 2]!, sum[1] += frame.data[o + 1]!, sum[2] += frame.data[o]!;
        }
      }
      const n = Math.max(1, (y1 - y0) * (x1 - x0));
      row.push(sum.map((s) => s / n));
    }
    grid.push(row);
  }
  return grid;
}

export function maxGridDifference(a: number[][][], b: number[][][]): number {
  let worst = 0;
  for (let y = 0; y < GRID; y++) for (let x = 0; x < GRID; x++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a[y]![x]![c]! - b[y]![x]![c]!));
  return worst;
}

/** Python: reads a JSON list of paths, prints [{path, width, height, mode, orientation, grid}]. */
export const PIL_GRID_PY = `
import json, sys
import numpy as np
from PIL import Image, ImageOps
out = []
for path in json.load(sys.stdin):
    im = Image.open(path)
    im.seek(0)
    orientation = im.getexif().get(274, 1)
    mode = im.mode
    up = ImageOps.exif_transpose(im)
    # Pillow's RGBA->RGB and LA->RGB conversions drop alpha, the same policy as cv2.imread.
    a = np.asarray(up.convert('RGB'), dtype=np.float64)
    h, w = a.shape[:2]
    grid = []
    for gy in range(8):
        y0, y1 = gy * h // 8, (gy + 1) * h // 8
        row = []
        for gx in range(8):
            x0, x1 = gx * w // 8, (gx + 1) * w // 8
            block = a[y0:y1, x0:x1].reshape(-1, 3)
            row.append(block.mean(axis=0).tolist() if len(block) else [0.0, 0.0, 0.0])
        grid.append(row)
    out.append({'path': path, 'width': w, 'height': h, 'mode': mode, 'orientation': orientation, 'grid': grid})
print(json.dumps(out))
`;
