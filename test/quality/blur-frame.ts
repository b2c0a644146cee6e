/**
 * Test fixture: a Gaussian-blurred copy of a frame (separable kernel, radius 3 sigma, edges
 * clamped), so the quality tests can degrade a real photo by a known amount.
 */
import type { Frame } from '../../sdk/image/frame.ts';

export function gaussianBlur(frame: Frame, sigmaPx: number): Frame {
  const radius = Math.max(1, Math.ceil(3 * sigmaPx));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigmaPx * sigmaPx)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const weights = kernel.map((k) => k / total);
  const { width, height } = frame;
  const pass = (src: Float32Array | Uint8Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const sx = horizontal ? Math.min(width - 1, Math.max(0, x + k)) : x;
            const sy = horizontal ? y : Math.min(height - 1, Math.max(0, y + k));
            sum += weights[k + radius]! * src[(sy * width + sx) * 3 + c]!;
          }
          out[(y * width + x) * 3 + c] = sum;
        }
      }
    }
    return out;
  };
  const blurred = pass(pass(frame.data, true), false);
  return { width, height, data: Uint8Array.from(blurred, (v) => Math.round(v)) };
}
