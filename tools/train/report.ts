/** Training charts from runs/<name>/metrics.jsonl, through the shared chart helper. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart, renderChart } from '../report/chart.ts';

export function readMetrics(runDir: string): Record<string, unknown>[] {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Writes charts/loss.png (and charts/accuracy.png when verification ran); returns the paths. */
export async function writeCharts(runDir: string): Promise<string[]> {
  const metrics = readMetrics(runDir);
  const dir = join(runDir, 'charts');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  // A resumed run repeats steps after the checkpoint: keep the latest value per step.
  const bySteps = new Map<number, number>();
  for (const m of metrics) if (m.event === 'step') bySteps.set(Number(m.step), Number(m.loss));
  const losses = [...bySteps].sort((a, b) => a[0] - b[0]).map(([step, loss]) => ({ step, loss }));
  if (losses.length > 0) {
    const { png } = await renderChart(lineChart({ title: 'training loss', rows: losses, x: 'step', y: 'loss' }));
    writeFileSync(join(dir, 'loss.png'), png);
    written.push(join(dir, 'loss.png'));
  }
  const accuracy = metrics.filter((m) => m.event === 'verify').map((m) => ({ step: Number(m.step), accuracy: Number(m.accuracy), set: String(m.set) }));
  if (accuracy.length > 0) {
    const { png } = await renderChart(lineChart({ title: 'verification accuracy (10-fold, flip)', rows: accuracy, x: 'step', y: 'accuracy', series: 'set' }));
    writeFileSync(join(dir, 'accuracy.png'), png);
    written.push(join(dir, 'accuracy.png'));
  }
  return written;
}
