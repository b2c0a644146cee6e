/**
 * The damage report, three ways: text for the terminal, report.json, and charts (PNG + one
 * HTML page) through the shared chart helper: per-layer activation ranges, per-layer error,
 * latency, and onnxruntime's per-op times.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, renderChart, type ChartSpec } from '../report/chart.ts';
import type { QuantizeReport } from './quantize.ts';

const f = (v: number | undefined, digits = 4): string => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

/** The speedup onnxruntime's CPU kernels must reach before per-op timings are printed. */
export const SPEEDUP_TARGET = 1.5;

export function formatReport(r: QuantizeReport): string {
  const lines = [`${r.mode.toUpperCase()} ${r.model} -> ${r.out}${r.manifest ? ` (+ ${r.manifest})` : ''}`];
  if (r.mode === 'int8') lines.push(`method ${r.method}, target ${r.target}, ${r.quantizedNodes} nodes quantized, ${r.equalizedChains} chains equalized, ${r.calibrationFaces} calibration faces`);
  lines.push(`size: ${mb(r.sizeBytes.fp32)} -> ${mb(r.sizeBytes.quantized)} (${f(r.sizeBytes.quantized / r.sizeBytes.fp32, 2)}x)`);
  if (r.dynamicBatch) lines.push(`dynamic batch: batch 1 ok, batch 8 ${r.dynamicBatch.batch8 ? 'ok' : 'FAILED'} (max diff to batch 1: ${r.dynamicBatch.maxDiff.toExponential(2)})`);
  if (r.keptFloat.length > 0) lines.push(`kept in float: ${r.keptFloat.map((k) => `${k.name} (${k.op}: ${k.reason})`).join(', ')}`);
  if (r.unknownOps.length > 0) lines.push(`ops the quantizer does not know (left in float): ${r.unknownOps.map((u) => `${u.name} (${u.op})`).join(', ')}`);
  if (r.accuracy) {
    const a = r.accuracy;
    lines.push(`cosine FP32 vs ${r.mode} on ${a.faces} held-back faces: mean ${f(a.cosine.mean)}, p1 ${f(a.cosine.p1)}, min ${f(a.cosine.min)}`);
    if (a.fp32 && a.quantized) {
      lines.push(
        `verification (${a.fp32.pairs.same} same / ${a.fp32.pairs.different} different pairs): AUC ${f(a.fp32.auc)} -> ${f(a.quantized.auc)} ` +
          `(drop ${f(a.fp32.auc - a.quantized.auc)}), TAR@FAR1e-3 ${f(a.fp32.tarAtFar1e3, 3)} -> ${f(a.quantized.tarAtFar1e3, 3)}`,
      );
    }
  }
  if (r.latency) {
    const l = r.latency;
    lines.push(`CPU latency (batch 1, median of ${l.runs}, same run): FP32 ${f(l.fp32Ms, 2)} ms, ${r.mode} ${f(l.quantizedMs, 2)} ms, speedup ${f(l.speedup, 2)}x`);
    if (r.opTimes && l.speedup < SPEEDUP_TARGET) {
      lines.push(`below the ${SPEEDUP_TARGET}x target; onnxruntime per-op times (ms per run, kernels):`);
      const top = (list: typeof r.opTimes.fp32): string => list.slice(0, 8).map((o) => `${o.op} ${f(o.msPerRun, 2)} (${o.nodes})`).join(', ');
      lines.push(`  FP32:  ${top(r.opTimes.fp32)}`, `  ${r.mode}: ${top(r.opTimes.quantized)}`);
    }
  }
  if (r.layerErrors && r.layerErrors.length > 0) {
    const worst = [...r.layerErrors].sort((a, b) => b.relativeError - a.relativeError).slice(0, 5);
    lines.push(`largest per-layer errors: ${worst.map((w) => `${w.node} ${f(w.relativeError, 3)}`).join(', ')}`);
  }
  if (r.skippedImages > 0) lines.push(`${r.skippedImages} images had no usable face and were skipped`);
  return lines.join('\n');
}

function charts(r: QuantizeReport): [string, ChartSpec][] {
  const out: [string, ChartSpec][] = [];
  if (r.ranges) {
    const rows = r.ranges.map((x) => ({ tensor: x.tensor, amax: x.amax, absMax: Math.max(Math.abs(x.min), Math.abs(x.max)) }));
    out.push(['activation-ranges', barChart({ title: 'Calibrated |x| range per quantized activation', rows, label: 'tensor', value: 'amax', valueTitle: 'amax (int8 127)' })]);
  }
  if (r.layerErrors) {
    const rows = r.layerErrors.map((x) => ({ node: `${x.node} (${x.op})`, error: x.relativeError }));
    out.push(['layer-error', barChart({ title: 'Relative error per layer output vs FP32', rows, label: 'node', value: 'error', valueTitle: '||q - fp32|| / ||fp32||' })]);
  }
  if (r.latency) {
    const rows = [{ model: 'FP32', ms: r.latency.fp32Ms }, { model: r.mode.toUpperCase(), ms: r.latency.quantizedMs }];
    out.push(['latency', barChart({ title: 'CPU latency, batch 1 (median ms)', rows, label: 'model', value: 'ms' })]);
  }
  if (r.opTimes) {
    const rows = [...r.opTimes.fp32.map((o) => ({ op: `FP32 ${o.op}`, ms: o.msPerRun })), ...r.opTimes.quantized.map((o) => ({ op: `${r.mode.toUpperCase()} ${o.op}`, ms: o.msPerRun }))];
    out.push(['op-times', barChart({ title: 'onnxruntime per-op time (ms per run)', rows, label: 'op', value: 'ms' })]);
  }
  return out;
}

/** Writes report.json, one PNG per chart and report.html (the SVGs inline) into `dir`. */
export async function writeReport(r: QuantizeReport, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, 'report.json')];
  writeFileSync(written[0]!, `${JSON.stringify(r, null, 2)}\n`);
  const sections: string[] = [];
  for (const [name, spec] of charts(r)) {
    const { svg, png } = await renderChart(spec);
    const path = join(dir, `${name}.png`);
    writeFileSync(path, png);
    written.push(path);
    sections.push(`<section>${svg}</section>`);
  }
  const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>arcedge quantize: ${escape(r.out)}</title></head><body>
<h1>arcedge quantize report</h1><pre>${escape(formatReport(r))}</pre>${sections.join('\n')}</body></html>\n`;
  const htmlPath = join(dir, 'report.html');
  writeFileSync(htmlPath, html);
  written.push(htmlPath);
  return written;
}
