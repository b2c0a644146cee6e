/**
 * `arcedge quantize <model.onnx> --mode fp16|int8 ...`: the CLI face of tools/quantize.
 * The report goes to stdout (text, or JSON with --json); progress to stderr.
 */
import { CALIBRATION_METHODS, type CalibrationMethod } from '../quantize/calibrate-methods.ts';
import { quantizeModel, QUANTIZE_DEFAULTS, type Mode } from '../quantize/quantize.ts';
import { formatReport, writeReport } from '../quantize/report.ts';
import { defineCommand, parseNumber, parsePositiveInt, UsageError, EXIT } from '../cli/command.ts';
import { createProgress, type Progress } from '../cli/progress.ts';
import { FP16_KEEP_FLOAT_OPS } from '../quantize/fp16.ts';

export const quantizeCommand = defineCommand({
  name: 'quantize',
  summary: 'convert a model to FP16, or to INT8 (Q/DQ, calibrated on face photos), and report the accuracy and speed it costs',
  args: '<model.onnx>',
  details: `examples:
  arcedge quantize fr_feature.onnx --mode int8 --calib photos/ --out fr_feature.int8.onnx --report report/
  arcedge quantize fr_feature.onnx --mode fp16 --dynamic-batch --out fr_feature.fp16.onnx

The output gets a <file>.onnx.manifest.json sidecar (precision recorded): put both in a folder and
use it as models: 'local:<folder>'. --calib takes photos (faces are detected and aligned with the
--detector set) or aligned 112x112 crops; photos in <folder>/<person>/ label verification pairs.`,
  positionals: { min: 1, max: 1 },
  options: {
    mode: { type: 'string', valueName: 'fp16|int8', description: 'target precision (required)' },
    out: { type: 'string', valueName: 'file.onnx', description: 'output model path (required)' },
    calib: { type: 'string', valueName: 'folder', description: 'face photos for calibration (int8) and for the report' },
    eval: { type: 'string', valueName: 'folder', description: 'held-back labelled faces for the report (default: every 4th calibration face)' },
    method: { type: 'string', valueName: CALIBRATION_METHODS.join('|'), default: QUANTIZE_DEFAULTS.method, description: 'activation range method' },
    percentile: { type: 'string', valueName: 'p', description: 'percentile of |x| for --method percentile (default 99.999)' },
    'keep-float': { type: 'string', multiple: true, valueName: 'node', description: 'keep this node in float; "first" and "last" name the first/last quantizable layer' },
    'fp32-op': { type: 'string', multiple: true, valueName: 'op', description: `fp16: op type kept in float32 (default: ${FP16_KEEP_FLOAT_OPS.slice(0, 6).join(', ')}, ...)` },
    'dynamic-batch': { type: 'boolean', description: 'rewrite a fixed batch-1 model to a dynamic batch axis (checked at batch 1 and 8)' },
    target: { type: 'string', valueName: 'cpu|tensorrt', default: QUANTIZE_DEFAULTS.target, description: 'int8: cpu quantizes biases to int32 (onnxruntime); tensorrt keeps them float (TensorRT refuses int32 DequantizeLinear)' },
    fuse: { type: 'boolean', description: 'int8: Q/DQ on Conv outputs too, so onnxruntime fuses QLinearConv (costs accuracy on PRelu nets)' },
    'no-equalize': { type: 'boolean', description: 'int8: skip the per-channel equalization of Conv -> PRelu -> Conv chains' },
    detector: { type: 'string', valueName: 'set', default: QUANTIZE_DEFAULTS.detector, description: 'model set whose detector finds the calibration faces (e.g. local:<dir>)' },
    'max-images': { type: 'string', valueName: 'n', description: `calibration images used, spread over the folder (default ${QUANTIZE_DEFAULTS.maxCalibImages})` },
    report: { type: 'string', valueName: 'dir', description: 'write report.json, PNG charts and report.html here' },
  },
  async run({ values, positionals, json }) {
    const mode = values.mode;
    if (mode !== 'fp16' && mode !== 'int8') throw new UsageError(`--mode must be fp16 or int8, got ${mode === undefined ? 'nothing' : `"${mode}"`}`);
    if (!values.out) throw new UsageError('--out <file.onnx> is required');
    if (!CALIBRATION_METHODS.includes(values.method as CalibrationMethod)) throw new UsageError(`--method must be one of ${CALIBRATION_METHODS.join(', ')}, got "${values.method}"`);
    if (values.target !== 'cpu' && values.target !== 'tensorrt') throw new UsageError(`--target must be cpu or tensorrt, got "${values.target}"`);
    if (mode === 'int8' && !values.calib) throw new UsageError('--mode int8 needs --calib <folder of face photos>');
    const percentile = parseNumber('percentile', values.percentile);
    if (percentile !== undefined && (percentile <= 50 || percentile > 100)) throw new UsageError(`--percentile must be in (50, 100], got ${percentile}`);
    const bars = new Map<string, Progress>();
    const report = await quantizeModel({
      model: positionals[0]!,
      mode: mode as Mode,
      out: values.out,
      calib: values.calib,
      evalFolder: values.eval,
      method: values.method as CalibrationMethod,
      percentile,
      keepFloat: values['keep-float'],
      fp32Ops: values['fp32-op'].length > 0 ? values['fp32-op'] : undefined,
      dynamicBatch: values['dynamic-batch'],
      target: values.target,
      fuseOutputs: values.fuse,
      equalize: !values['no-equalize'],
      detector: values.detector,
      maxCalibImages: parsePositiveInt('max-images', values['max-images']),
      onProgress: (stage, done, total) => {
        let bar = bars.get(stage);
        if (!bar) bars.set(stage, (bar = createProgress({ label: stage, total, silent: json })));
        bar.update(done, { total });
        if (done >= total) bar.stop();
      },
    });
    for (const bar of bars.values()) bar.stop();
    const files = values.report ? await writeReport(report, values.report) : [];
    if (json) console.log(JSON.stringify({ ...report, reportFiles: files }, null, 2));
    else {
      console.log(formatReport(report));
      if (files.length > 0) console.log(`report: ${files.join(', ')}`);
    }
    return EXIT.OK;
  },
});
