/**
 * Quantization rows: FP16, INT8 and INT8 --fuse recognizer latency (batch 1, CPU) against the
 * FP32 model timed interleaved in the same run (test/bench/quantized.ts makes the files).
 */
import { benchQuantized } from '../quantized.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

const provider: RowProvider = {
  part: 'quantize',
  async run(context: BenchContext) {
    context.log('quantize: FP32 vs FP16 vs INT8 recognizer latency (quantizing both recognizers first)');
    const rows: BenchRow[] = [];
    for (const t of await benchQuantized(context.threads)) {
      if (t.variant === 'fp32') continue;
      rows.push({
        section: 'quantize',
        name: `${t.model} ${t.variant}, ms/face`,
        value: t.msPerFace,
        unit: 'ms',
        baseline: { name: `${t.model} fp32`, value: t.fp32MsPerFace },
        better: 'lower',
        ...(t.variant.startsWith('int8') ? { target: '<= 0.67 (1.5x faster)' } : {}),
        note: t.variant === 'int8' ? 'Q/DQ on Conv inputs: onnxruntime runs float Conv (see docs/quantize.md)' : '',
      });
    }
    return rows;
  },
};
export default provider;
