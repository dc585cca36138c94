/**
 * The report page: one self-contained HTML file — styles, the charts' SVG and the report data (as JSON in a
 * script element) inlined, nothing fetched when it is viewed.
 */
import type { ReportData } from './data.js';
import type { RenderedChart } from './render.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 6px; }
.summary { border-collapse: collapse; margin: 12px 0; } .summary td { padding: 2px 14px 2px 0; vertical-align: top; }
.summary td:first-child { color: #666; }
figure { margin: 0 0 8px; } figcaption { color: #555; max-width: 760px; margin-top: 4px; }
.chart svg { max-width: 100%; height: auto; }
.note { color: #8a6d3b; background: #fcf8e3; padding: 6px 10px; border-radius: 4px; display: inline-block; }
table.nearest { border-collapse: collapse; } table.nearest th, table.nearest td { border-bottom: 1px solid #ddd; padding: 3px 12px 3px 0; text-align: left; }
table.nearest span { color: #888; font-size: 12px; }
footer { color: #888; margin-top: 32px; font-size: 12px; }`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside <script>: no "</script>" or "<!--" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function summary(data: ReportData): string {
  const h = data.history;
  const rows: [string, string][] = [['model', `${data.model.kind}, ${data.model.parameters.toLocaleString('en-US')} parameters`]];
  const c = data.model.config;
  const shape = ['cell', 'hiddenSize', 'numLayers', 'bidirectional', 'embeddingDim', 'vocabSize'].filter((k) => c[k] !== undefined).map((k) => `${k} ${c[k]}`);
  if (shape.length) rows.push(['configuration', shape.join(', ')]);
  if (h) {
    const seconds = h.seconds.reduce((s, v) => s + v, 0);
    rows.push(['epochs', `${h.epochs}${h.stoppedEarly ? ' (early stopping)' : ''}${h.aborted ? ' (stopped before the end)' : ''}, ${seconds.toFixed(1)} s`]);
    if (h.bestEpoch !== null && h.bestValue !== null) rows.push(['best epoch', `${h.bestEpoch + 1}: ${h.monitor} ${h.bestValue.toPrecision(4)}`]);
    const last: string[] = [];
    for (const [k, v] of Object.entries(h.metrics)) {
      const x = v[v.length - 1];
      if (typeof x === 'number' && Number.isFinite(x)) last.push(`${k} ${x.toPrecision(4)}`);
    }
    if (last.length) rows.push(['last epoch', last.join(', ')]);
  }
  return `<table class="summary">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function figure(chart: RenderedChart): string {
  return `<section><h2>${escapeHtml(chart.title)}</h2><figure class="chart" id="chart-${chart.name}" data-chart="${chart.name}">${chart.svg}` +
    `<figcaption>${escapeHtml(chart.caption)}</figcaption></figure></section>`;
}

function note(title: string, text: string): string {
  return `<section><h2>${escapeHtml(title)}</h2><p class="note">${escapeHtml(text)}</p></section>`;
}

function nearestTable(data: ReportData): string {
  const n = data.nearest;
  if (!n || n.length === 0) return note('Nearest words', data.notes.nearest ?? 'none of the chosen words is in the vocabulary');
  const rows = n.map(({ word, neighbours }) => `<tr><th>${escapeHtml(word)}</th><td>${neighbours.map((x) => `${escapeHtml(x.word)} <span>${x.similarity.toFixed(2)}</span>`).join(', ')}</td></tr>`);
  return `<section><h2>Nearest words</h2><figure id="nearest-words" data-chart="nearest"><table class="nearest"><tr><th>word</th><th>nearest (cosine similarity of the learned embeddings)</th></tr>${rows.join('')}</table>` +
    '<figcaption>Words whose embedding vectors point the same way as each chosen word, after training.</figcaption></figure></section>';
}

export function reportPage(data: ReportData, rendered: RenderedChart[]): string {
  const by = new Map(rendered.map((c) => [c.name, c]));
  const part = (name: string, title: string, missing: string): string => {
    const c = by.get(name);
    return c ? figure(c) : note(title, missing);
  };
  const body = [
    part('loss', 'Loss per epoch', 'no epoch finished'),
    by.has('metrics') ? figure(by.get('metrics')!) : '',
    part('learning-rate', 'Learning rate', 'no batch recorded'),
    part('throughput', 'Throughput', 'no epoch finished'),
    part('gradient-norm', 'Global gradient norm per batch', data.notes.batches ?? 'no batch recorded'),
    part('step-gradients', 'Gradient through time', data.notes.stepGradients ?? 'no batch was sampled'),
    by.has('step-gradient-profile') ? figure(by.get('step-gradient-profile')!) : '',
    part('hidden-state', 'Hidden state, token by token', data.notes.trace ?? 'no input traced'),
    nearestTable(data),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(data.title)}</h1>${summary(data)}
${body.join('\n')}
<footer>fastrnn ${escapeHtml(data.fastrnn)} · ${escapeHtml(data.created)} · the data behind these charts is in this page (script#report-data) and in report.json</footer>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
</body></html>
`;
}
