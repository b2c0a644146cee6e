/**
 * What `arcedge eval` writes: the ROC curves (all model sets on one chart) and one score
 * histogram per set as PNG, through the shared chart helper, and one self-contained HTML page
 * (charts inlined as SVG, no script, no outside resource) with the metrics table, the
 * recommended thresholds and the images where no face was found.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { histogramChart, lineChart, renderChart } from '../report/chart.ts';
import { FARS, rocCurve } from './metrics.ts';
import type { ModelResult } from './run-eval.ts';

/** The `--json` shape, one object per model set. */
export function resultJson(result: ModelResult, totalPairs: number): Record<string, unknown> {
  const m = result.metrics;
  return {
    models: { set: result.label, ...result.models },
    pairs: totalPairs,
    noFace: result.noFace,
    multiFace: result.multiFace,
    erc: result.erc ? { fmr: result.erc.fmr, threshold: result.erc.threshold, fnmrAtZero: result.erc.fnmrAtZero, areas: Object.fromEntries(result.erc.curves.map((c) => [c.signal, { area: c.area, relativeArea: c.relativeArea }])) } : null,
    auc: m.auc,
    accuracy: m.accuracy,
    accuracyStd: m.accuracyStd,
    tarAtFar: m.tarAtFar,
    eer: m.eer,
    thresholds: m.thresholds,
  };
}

// ROC on a log FAR axis: FAR 0 cannot sit on it, so it is drawn at this floor.
const FAR_FLOOR = 1e-5;
const MAX_POINTS = 300;

function rocRows(results: readonly ModelResult[]): Record<string, number | string>[] {
  return results.flatMap((r) => {
    const same = r.scored.filter((p) => p.same).map((p) => p.score);
    const different = r.scored.filter((p) => !p.same).map((p) => p.score);
    // FAR 0 has no place on a log axis: of those points keep the best TAR, drawn at the floor
    // (the line would otherwise join (floor, 0) to the first non-zero FAR: Vega sorts lines by x).
    const all = rocCurve(same, different);
    const bestAtZero = Math.max(...all.filter((p) => p.far === 0).map((p) => p.tar));
    const curve = all.filter((p) => p.far > 0 || p.tar === bestAtZero).filter((p, i, a) => p.far > 0 || a.findIndex((q) => q.far === 0) === i);
    const step = Math.max(1, Math.ceil(curve.length / MAX_POINTS));
    return curve.filter((_, i) => i % step === 0 || i === curve.length - 1).map((p) => ({ model: r.label, FAR: Math.max(p.far, FAR_FLOOR), TAR: p.tar }));
  });
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);
const num = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function metricsTable(results: readonly ModelResult[], totalPairs: number): string {
  const head = ['model set', 'pairs scored', 'no face (images)', 'AUC', 'accuracy (10-fold)', ...FARS.map((f) => `TAR@FAR ${f}`), 'EER'];
  const rows = results.map((r) => [
    r.label,
    `${r.scored.length} / ${totalPairs}`,
    String(r.noFace),
    r.metrics.auc.toFixed(5),
    `${pct(r.metrics.accuracy)} ± ${pct(r.metrics.accuracyStd)}`,
    ...FARS.map((f) => pct(r.metrics.tarAtFar[f])),
    pct(r.metrics.eer),
  ]);
  const thresholds = results.map((r) => {
    const t = r.metrics.thresholds;
    return [r.label, num(t.far1e2), num(t.far1e3), num(t.far1e4), num(t.eer), num(t.bestAccuracy)];
  });
  const table = (id: string, h: string[], body: string[][]): string =>
    `<table id="${id}"><thead><tr>${h.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${body
      .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  return (
    table('metrics', head, rows) +
    '<h2>Recommended thresholds (cosine similarity; accept when above)</h2>' +
    table('thresholds', ['model set', 'FAR 1e-2', 'FAR 1e-3', 'FAR 1e-4', 'EER', 'best accuracy'], thresholds)
  );
}

export interface WrittenReport {
  readonly html: string;
  readonly pngs: string[];
}

export async function writeReport(outDir: string, title: string, results: readonly ModelResult[], totalPairs: number): Promise<WrittenReport> {
  mkdirSync(outDir, { recursive: true });
  const roc = await renderChart(
    lineChart({ title: 'ROC', rows: rocRows(results), x: 'FAR', y: 'TAR', series: 'model', xScale: 'log', xTitle: `false accept rate (log; 0 drawn at ${FAR_FLOOR})`, yTitle: 'true accept rate', width: 560, height: 360 }),
  );
  const pngs = [join(outDir, 'roc.png')];
  writeFileSync(pngs[0]!, roc.png);
  const histograms: string[] = [];
  for (const [i, r] of results.entries()) {
    const rows = r.scored.map((p) => ({ pair: p.same ? 'same person' : 'different people', score: p.score }));
    const chart = await renderChart(histogramChart({ title: `Scores: ${r.label}`, rows, value: 'score', group: 'pair', xTitle: 'cosine similarity', width: 560, height: 260 }));
    const file = join(outDir, `scores-${i + 1}.png`);
    writeFileSync(file, chart.png);
    pngs.push(file);
    histograms.push(`<figure class="chart">${chart.svg}</figure>`);
  }
  // ERC: one chart per model set (a line per quality signal) and a table of the areas.
  const ercFigures: string[] = [];
  for (const [i, r] of results.entries()) {
    if (!r.erc) continue;
    const rows = r.erc.curves.flatMap((c) => c.points.map((p) => ({ signal: c.signal, rejected: 100 * p.rejected, FNMR: 100 * p.fnmr })));
    const chart = await renderChart(lineChart({ title: `ERC: ${r.label} (FNMR at FMR ${r.erc.fmr}, threshold ${r.erc.threshold.toFixed(3)})`, rows, x: 'rejected', y: 'FNMR', series: 'signal', xTitle: 'lowest-quality same-person pairs rejected (%)', yTitle: 'FNMR (%)', width: 560, height: 320 }));
    const file = join(outDir, `erc-${i + 1}.png`);
    writeFileSync(file, chart.png);
    pngs.push(file);
    ercFigures.push(`<figure class="chart" id="erc-${i + 1}">${chart.svg}</figure>`);
  }
  const ercTable = results
    .filter((r) => r.erc)
    .map((r) => {
      const e = r.erc!;
      const body = e.curves.map((c) => `<tr><td>${esc(c.signal)}</td><td>${(100 * c.area).toFixed(4)}</td><td>${c.relativeArea.toFixed(3)}</td><td>${(100 * c.points.at(-1)!.fnmr).toFixed(2)}%</td></tr>`).join('');
      return `<p><b>${esc(r.label)}</b>: ${e.samePairs} same / ${e.differentPairs} different pairs; FNMR ${(100 * e.fnmrAtZero).toFixed(2)}% with nothing rejected.</p><table class="erc"><thead><tr><th>signal</th><th>area (FNMR % x share)</th><th>relative area</th><th>FNMR at 30% rejected</th></tr></thead><tbody>${body}</tbody></table>`;
    })
    .join('');
  const missing = results
    .filter((r) => r.noFace > 0)
    .map((r) => `<p><b>${esc(r.label)}</b>: no face in ${r.noFace} image(s), ${r.noFacePairs} pair(s) not scored: ${r.noFaceImages.slice(0, 50).map(esc).join(', ')}</p>`)
    .join('') +
    results
      .filter((r) => r.multiFace > 0)
      .map((r) => `<p><b>${esc(r.label)}</b>: ${r.multiFace} image(s) with more than one face (the subject rule picked one): ${r.multiFaceImages.slice(0, 50).map(esc).join(', ')}</p>`)
      .join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:DejaVu Sans,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 24px}
th,td{border:1px solid #bbb;padding:4px 10px;text-align:right}th:first-child,td:first-child{text-align:left}th{background:#eee}
figure{margin:8px 0}</style></head><body>
<h1>${esc(title)}</h1>
<p>${totalPairs} pairs. Accuracy: LFW protocol, 10 folds in pair order, threshold chosen on 9 folds and applied to the 10th (mean ± std). TAR@FAR is n/a when there are fewer than 1/FAR different-person pairs.</p>
<h2>Metrics</h2>
${metricsTable(results, totalPairs)}
<h2>No face found</h2>
${missing || '<p>A face was found in every image.</p>'}
<h2>ROC</h2>
<figure class="chart" id="roc">${roc.svg}</figure>
<h2>Quality: error versus reject (ERC)</h2>
<p>Does a quality signal predict errors? The threshold is fixed at FMR 1e-3 over all different-person pairs; the lowest-quality share of same-person pairs (a pair's quality is its worse image's) is rejected and FNMR measured on the rest. Lower is better; a relative area of 1 means no better than rejecting nothing; "oracle" rejects the errors themselves.</p>
${ercTable || '<p>Not enough pairs of both kinds.</p>'}
${ercFigures.join('\n')}
<h2>Score distributions</h2>
${histograms.join('\n')}
<p>Generated by arcedge eval at ${new Date().toISOString()}.</p>
</body></html>
`;
  const htmlPath = join(outDir, 'report.html');
  writeFileSync(htmlPath, html);
  return { html: htmlPath, pngs };
}
