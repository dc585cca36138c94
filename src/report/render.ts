/**
 * Renders the report's Vega-Lite charts to SVG strings, headless in Node: Vega-Lite compiles each spec to
 * Vega, and a Vega View with no renderer (renderer 'none') draws it to SVG text. Vega is loaded on first use,
 * so importing fastrnn does not load it.
 */
import { charts, type Chart } from './charts.js';
import type { ReportData } from './data.js';

export interface RenderedChart extends Chart {
  svg: string;
}

export async function renderCharts(data: ReportData): Promise<RenderedChart[]> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const out: RenderedChart[] = [];
  for (const chart of charts(data)) {
    const view = new vega.View(vega.parse(vl.compile(chart.spec).spec), { renderer: 'none' });
    try {
      out.push({ ...chart, svg: await view.toSVG() });
    } finally {
      view.finalize();
    }
  }
  return out;
}
