/**
 * Issue 10's targets, read off one run's rows (best setting against best setting unless said otherwise).
 * A target whose figures are missing (a peer skipped, capped or not applicable) is reported as such,
 * never as met.
 */
import type { MemoryRow } from './memory.js';
import type { Row } from './measure.js';
import { ceilings, ratios, type Ratio } from './report.js';
import type { Family } from './systems.js';

export interface Target {
  name: string;
  /** the measured figure (a ratio ×, or a % of the ceiling, or MB) */
  value?: number;
  need: number;
  unit: '×' | '%' | 'MB';
  /** 'min': value ≥ need; 'max': value ≤ need */
  sense: 'min' | 'max';
  status: 'met' | 'missed' | 'no figure';
}

function target(name: string, value: number | undefined, need: number, unit: Target['unit'], sense: Target['sense'] = 'min'): Target {
  const have = value !== undefined && Number.isFinite(value);
  const met = have && (sense === 'min' ? value! >= need : value! <= need);
  return { name, value: have ? value : undefined, need, unit, sense, status: !have ? 'no figure' : met ? 'met' : 'missed' };
}

const find = (rs: Ratio[], workload: string, peer: Family) => rs.find((r) => r.workload === workload && r.peer === peer)?.best;

export function issue10Targets(rows: Row[], memory: MemoryRow[], minimumMB: number): Target[] {
  const rs = ratios(rows);
  const out: Target[] = [];
  const has = (w: string) => rows.some((r) => r.workload === w);
  const cells = ['RNN', 'LSTM', 'GRU'];
  for (const [size, need] of [['B32 T64 H128', 2], ['B32 T64 H256', 1.5], ['B64 T100 H512', 1.1]] as const) {
    for (const c of cells) {
      const w = `train ${c} ${size}`;
      if (has(w)) out.push(target(`${w}: fastrnn ≥ ${need}× PyTorch`, find(rs, w, 'PyTorch'), need, '×'));
    }
  }
  const ceil2 = ceilings(rows)[2];
  for (const c of cells) {
    const w = `train ${c} B64 T100 H512`;
    const best = rows.filter((r) => r.workload === w && r.family === 'fastrnn' && r.threads === 2 && r.status === 'ok')[0];
    if (has(w)) out.push(target(`${w}: user path ≥ 90 % of the two-core sgemm ceiling`, best && ceil2 ? (100 * best.gflops!) / ceil2 : undefined, 90, '%'));
  }
  for (const w of [...new Set(rows.filter((r) => r.kind === 'infer' && !r.workload.includes(' B1 ')).map((r) => r.workload))]) {
    const rnn = w.startsWith('infer RNN');
    out.push(target(`${w}: fastrnn ≥ ${rnn ? 3 : 1}× onnxruntime-node`, find(rs, w, 'onnxruntime-node'), rnn ? 3 : 1, '×'));
  }
  for (const w of [...new Set(rows.filter((r) => r.kind === 'infer' && r.workload.includes(' B1 ')).map((r) => r.workload))]) {
    out.push(target(`${w} latency: ≤ ½ onnxruntime-node's`, find(rs, w, 'onnxruntime-node'), 2, '×'));
    out.push(target(`${w} latency: ≤ ⅓ PyTorch's`, find(rs, w, 'PyTorch'), 3, '×'));
  }
  for (const w of [...new Set(rows.filter((r) => r.kind === 'infer').map((r) => r.workload))]) {
    const wasm = find(rs, w, 'TensorFlow.js wasm');
    if (wasm !== undefined || rows.some((r) => r.workload === w && r.family === 'TensorFlow.js wasm' && r.status !== 'n/a' && r.status !== 'skipped')) {
      out.push(target(`${w}: fastrnn ≥ 50× TensorFlow.js wasm`, wasm, 50, '×'));
    }
  }
  for (const w of [...new Set(rows.filter((r) => r.family === 'fastrnn reference' && r.status === 'ok').map((r) => r.workload))]) {
    const ref = fastrnnRef(rows, w);
    for (const peer of ['TensorFlow.js cpu', 'brain.js'] as Family[]) {
      const theirs = rows.filter((r) => r.workload === w && r.family === peer && r.status === 'ok').map((r) => r.rate!);
      if (theirs.length) out.push(target(`${w}: reference engine ≥ 2× ${peer}`, ref! / Math.max(...theirs), 2, '×'));
    }
  }
  const mem = (prefix: string) => memory.filter((m) => m.system.startsWith(prefix) && m.status === 'ok');
  const ours = mem('fastrnn'), torch = mem('PyTorch');
  const oursAdded = ours.length ? Math.min(...ours.map((m) => m.addedMB!)) : undefined;
  const torchAdded = torch.length ? Math.min(...torch.map((m) => m.addedMB!)) : undefined;
  out.push(target(`memory: LSTM B32 T64 H256 training adds ≤ 1.5× PyTorch's RSS increment (${torchAdded === undefined ? '—' : torchAdded.toFixed(0) + ' MB'})`,
    torchAdded === undefined ? undefined : oursAdded, 1.5 * (torchAdded ?? 0), 'MB', 'max'));
  out.push(target(`memory: … and ≤ 2× what training must keep (${minimumMB.toFixed(1)} MB)`, oursAdded, 2 * minimumMB, 'MB', 'max'));
  out.push(target('memory: flat over the loop (growth MB, last quarter vs second quarter)', ours.length ? Math.max(...ours.map((m) => m.growthMB!)) : undefined,
    Math.max(2, 0.05 * (oursAdded ?? 0)), 'MB', 'max'));
  return out;
}

function fastrnnRef(rows: Row[], w: string): number | undefined {
  return rows.find((r) => r.workload === w && r.family === 'fastrnn reference' && r.status === 'ok')?.rate;
}

/** How far a missed target is from its line: e.g. "needs 1.31× more" or "12 MB over". */
export function missedBy(t: Target): string {
  if (t.status !== 'missed' || t.value === undefined) return '';
  if (t.unit === 'MB') return `${(t.value - t.need).toFixed(0)} MB over`;
  return `${(t.need / t.value).toFixed(2)}× short`;
}
