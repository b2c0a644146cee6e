/**
 * Activation statistics: the tensors to be quantized are exposed as extra graph outputs and
 * the FP32 model is run once per calibration crop in onnxruntime. Pass 1 records min/max;
 * pass 2 (percentile, entropy) fills a 2048-bin |x| histogram over [0, absMax] from pass 1,
 * so no sample is kept in memory (a MobileFaceNet's activations are ~20 MB per crop).
 */
import type { Tensor } from '../../sdk/index.ts';
import { HISTOGRAM_BINS, needsHistogram, type CalibrationMethod, type TensorStats } from './calibrate-methods.ts';
import type { Model } from './onnx-io.ts';
import { withTempSession } from './temp-session.ts';

export interface CalibrationFeeds {
  readonly inputName: string;
  /** One preprocessed input per crop: [1, C, H, W] float32. */
  readonly samples: readonly Float32Array[];
  readonly dims: readonly number[];
}

export async function collectActivationStats(
  model: Model,
  tensors: readonly string[],
  feeds: CalibrationFeeds,
  method: CalibrationMethod,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, TensorStats>> {
  const stats = new Map<string, TensorStats>(tensors.map((t) => [t, { min: Infinity, max: -Infinity, absMax: 0 }]));
  const passes = needsHistogram(method) ? 2 : 1;
  const total = passes * feeds.samples.length;
  let done = 0;
  await withTempSession(
    model,
    async (session) => {
      for (let pass = 0; pass < passes; pass++) {
        if (pass === 1) for (const s of stats.values()) s.histogram = new Float64Array(HISTOGRAM_BINS);
        for (const sample of feeds.samples) {
          const input: Tensor = { type: 'float32', data: sample, dims: feeds.dims };
          const outputs = await session.run({ [feeds.inputName]: input });
          for (const [name, s] of stats) {
            const data = name === feeds.inputName ? sample : (outputs[name]?.data as Float32Array | undefined);
            if (!data) continue;
            if (pass === 0) updateMinMax(s, data);
            else updateHistogram(s, data);
          }
          onProgress?.(++done, total);
        }
      }
    },
    { exposing: tensors.filter((t) => t !== feeds.inputName) },
  );
  return stats;
}

function updateMinMax(s: TensorStats, data: Float32Array): void {
  let min = s.min, max = s.max;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  s.min = min;
  s.max = max;
  s.absMax = Math.max(Math.abs(min), Math.abs(max));
}

function updateHistogram(s: TensorStats, data: Float32Array): void {
  const hist = s.histogram!;
  if (s.absMax === 0) return;
  const perBin = HISTOGRAM_BINS / s.absMax;
  const last = HISTOGRAM_BINS - 1;
  for (let i = 0; i < data.length; i++) {
    const bin = Math.floor(Math.abs(data[i]!) * perBin);
    hist[bin > last ? last : bin]! += 1;
  }
}
