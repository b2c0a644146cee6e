/**
 * The one chart helper for host tools (train curves, eval ROC/histograms, quantization
 * reports): a Vega-Lite spec in, SVG and PNG out. Vega-Lite compiles to a Vega spec, Vega's
 * headless View renders SVG without a canvas, and resvg rasterises it to PNG, so nothing
 * here needs a browser or a native canvas build. This file is the only import of vega,
 * vega-lite and @resvg/resvg-js.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

export interface RenderedChart {
  readonly svg: string;
  readonly png: Buffer;
}

/** Renders a Vega-Lite spec. `scale` multiplies the PNG resolution (2 for crisp reports). */
export async function renderChart(spec: ChartSpec, options: { scale?: number } = {}): Promise<RenderedChart> {
  const compiled = compile({ background: 'white', ...spec } as TopLevelSpec).spec;
  // renderer 'none': no DOM; toSVG() still renders the scenegraph to markup.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: options.scale ?? 2 },
      // Charts carry axis titles and labels: use the system fonts (fonts-dejavu-core from setup.sh).
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
      background: 'white',
    })
      .render()
      .asPng();
    return { svg, png: Buffer.from(png) };
  } finally {
    view.finalize();
  }
}

type Rows = readonly Record<string, number | string>[];

/** What every chart here shares: schema, title, size and inline data. */
function frame(title: string, rows: Rows, width: number, height?: number): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width,
    ...(height !== undefined ? { height } : {}),
    data: { values: rows as Record<string, number | string>[] },
  };
}

/** A line chart of one or more series over x: training loss/accuracy, ROC curves. */
export function lineChart(options: {
  readonly title: string;
  readonly rows: Rows;
  readonly x: string;
  readonly y: string;
  /** Field that names the series (one line each); omit for one line. */
  readonly series?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly xScale?: 'linear' | 'log';
  readonly yScale?: 'linear' | 'log';
  readonly width?: number;
  readonly height?: number;
}): ChartSpec {
  return {
    ...frame(options.title, options.rows, options.width ?? 480, options.height ?? 300),
    mark: { type: 'line', point: options.rows.length <= 60 },
    encoding: {
      x: { field: options.x, type: 'quantitative', title: options.xTitle ?? options.x, scale: { type: options.xScale ?? 'linear' } },
      y: { field: options.y, type: 'quantitative', title: options.yTitle ?? options.y, scale: { type: options.yScale ?? 'linear', zero: false } },
      ...(options.series ? { color: { field: options.series, type: 'nominal', title: options.series } } : {}),
    },
  } as ChartSpec;
}

/** Overlaid histograms of a value per group: same/different-person scores, activation ranges. */
export function histogramChart(options: {
  readonly title: string;
  readonly rows: Rows;
  readonly value: string;
  readonly group: string;
  readonly bins?: number;
  readonly xTitle?: string;
  readonly width?: number;
  readonly height?: number;
}): ChartSpec {
  return {
    ...frame(options.title, options.rows, options.width ?? 480, options.height ?? 300),
    mark: { type: 'bar', opacity: 0.6, binSpacing: 0 },
    encoding: {
      x: { field: options.value, type: 'quantitative', bin: { maxbins: options.bins ?? 50 }, title: options.xTitle ?? options.value },
      y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'count' },
      color: { field: options.group, type: 'nominal', title: options.group },
    },
  } as ChartSpec;
}

/** Horizontal bars, one per label: per-layer error, per-op timings. */
export function barChart(options: {
  readonly title: string;
  readonly rows: Rows;
  readonly label: string;
  readonly value: string;
  readonly valueTitle?: string;
  readonly width?: number;
}): ChartSpec {
  return {
    ...frame(options.title, options.rows, options.width ?? 480),
    mark: 'bar',
    encoding: {
      y: { field: options.label, type: 'nominal', sort: null, title: null },
      x: { field: options.value, type: 'quantitative', title: options.valueTitle ?? options.value },
    },
  } as ChartSpec;
}
