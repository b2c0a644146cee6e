/**
 * Motion gating (as Frigate does it): while a camera has no open track, a frame that hardly
 * differs from the last frame the detector saw is not detected at all. The difference is cheap:
 * luma on a sparse grid (every GRID_PX-th pixel both ways: ~19,000 samples at 640x480, well
 * under a millisecond), counted as changed where it moved more than pixelDelta grey levels. The
 * reference is the last *detected* frame, not the previous one, so a slow change still adds up
 * and triggers detection. Once a track is open every frame is detected (tracks update every
 * frame they exist), and maxSkipMs bounds how long detection can be skipped at all.
 */
import type { Frame } from '../../sdk/index.ts';

export interface MotionOptions {
  readonly enabled: boolean;
  /** Grey-level change (0-255) that counts a sample as changed. */
  readonly pixelDelta: number;
  /** Fraction of samples that must change for the frame to be detected. */
  readonly minChangedFraction: number;
  /** Detect at least this often even in a still scene (a person standing still since before). */
  readonly maxSkipMs: number;
}

const GRID_PX = 4;

function lumaGrid(frame: Frame): Uint8Array {
  const { data, width, height } = frame;
  const cols = Math.ceil(width / GRID_PX);
  const rows = Math.ceil(height / GRID_PX);
  const out = new Uint8Array(cols * rows);
  let k = 0;
  for (let y = 0; y < height; y += GRID_PX) {
    let i = y * width * 3;
    for (let x = 0; x < width; x += GRID_PX, i += GRID_PX * 3) out[k++] = (data[i]! + 2 * data[i + 1]! + data[i + 2]!) >> 2; // BGR
  }
  return out;
}

export class MotionGate {
  private reference: Uint8Array | undefined;
  private lastDetectMs = -Infinity;
  detected = 0;
  skipped = 0;

  constructor(private readonly options: MotionOptions) {}

  /** True when this frame must go to the detector; `tracking`: the camera has open tracks. */
  shouldDetect(frame: Frame, tracking: boolean, nowMs: number): boolean {
    if (!this.options.enabled) return this.count(true);
    const grid = lumaGrid(frame);
    const reference = this.reference;
    let detect = tracking || !reference || reference.length !== grid.length || nowMs - this.lastDetectMs >= this.options.maxSkipMs;
    if (!detect) {
      const limit = Math.max(1, Math.floor(grid.length * this.options.minChangedFraction));
      let changed = 0;
      for (let i = 0; i < grid.length && changed < limit; i++) if (Math.abs(grid[i]! - reference![i]!) > this.options.pixelDelta) changed++;
      detect = changed >= limit;
    }
    if (detect) {
      this.reference = grid;
      this.lastDetectMs = nowMs;
    }
    return this.count(detect);
  }

  private count(detect: boolean): boolean {
    if (detect) this.detected++;
    else this.skipped++;
    return detect;
  }
}
