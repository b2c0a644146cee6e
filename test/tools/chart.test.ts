/** The shared chart helper renders real Vega-Lite specs to SVG and PNG without a browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, histogramChart, lineChart, renderChart } from '../../tools/report/chart.ts';

test('a line chart renders to SVG with its title and axis titles, and to a PNG of the scaled size', async () => {
  const rows = Array.from({ length: 30 }, (_, step) => ({ step, loss: 8 / (step + 1), run: step % 2 ? 'arcface' : 'softmax' }));
  const { svg, png } = await renderChart(lineChart({ title: 'training loss', rows, x: 'step', y: 'loss', series: 'run' }), { scale: 1 });
  assert.match(svg, /^<svg/);
  for (const text of ['training loss', 'step', 'loss', 'arcface', 'softmax']) assert.ok(svg.includes(text), text);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  assert.ok(width >= 480 && width < 800, `width ${width}`);
  assert.ok(height >= 300 && height < 500, `height ${height}`);
  const double = await renderChart(lineChart({ title: 't', rows, x: 'step', y: 'loss' }), { scale: 2 });
  assert.ok(double.png.readUInt32BE(16) > width * 1.5, 'scale 2 doubles the PNG');
});

test('histogram and bar charts render', async () => {
  const rows = Array.from({ length: 200 }, (_, i) => ({ score: Math.sin(i) * 0.5 + (i % 2 ? 0.5 : 0), pair: i % 2 ? 'same' : 'different' }));
  const hist = await renderChart(histogramChart({ title: 'scores', rows, value: 'score', group: 'pair' }));
  assert.ok(hist.svg.includes('same') && hist.svg.includes('different'));
  const bars = await renderChart(barChart({ title: 'per layer', rows: [{ layer: 'conv1', err: 0.1 }, { layer: 'fc', err: 0.02 }], label: 'layer', value: 'err' }));
  assert.ok(bars.svg.includes('conv1') && bars.png.length > 1000);
});
