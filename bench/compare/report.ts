/**
 * The comparison table: one row per (workload, system) that ran, with the rate, GFLOP/s, the share of the
 * machine's sgemm ceiling at the same core count, fastrnn's ratio against the row (fastrnn's best setting,
 * and fastrnn at the row's thread count) and the row's peak RSS; then the rows that did not run, grouped
 * by reason; and best-vs-best / thread-for-thread ratios per peer, which the targets read.
 */
import type { Row } from './measure.js';
import type { Family } from './systems.js';

export const num = (x: number | undefined, digits = 0): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ratio = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : `${x >= 10 ? num(x, 0) : num(x, 2)}×`);

const ok = (r: Row) => r.status === 'ok' && r.rate !== undefined;
const PUBLIC: Family = 'fastrnn';

/** The sgemm ceiling per core count: the best of OpenBLAS (PyTorch) and fastrnn's own GEMM over the run's sgemm rows. */
export function ceilings(rows: Row[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of rows.filter((x) => x.kind === 'sgemm' && ok(x))) out[r.threads] = Math.max(out[r.threads] ?? 0, r.gflops!);
  return out;
}

/** fastrnn's public-API rate on a workload: best over thread counts, or at one thread count. */
export function fastrnnRate(rows: Row[], workload: string, threads?: number): number | undefined {
  const mine = rows.filter((r) => r.workload === workload && r.family === PUBLIC && ok(r) && (threads === undefined || r.threads === threads));
  return mine.length ? Math.max(...mine.map((r) => r.rate!)) : undefined;
}

export interface Ratio {
  workload: string;
  peer: Family;
  /** fastrnn best setting / peer best setting */
  best?: number;
  /** fastrnn n threads / peer n threads (cores), for the thread counts both have */
  byThreads: Record<number, number>;
}

/** fastrnn against each peer family (reference and kernel rows count as peers of the public API here). */
export function ratios(rows: Row[]): Ratio[] {
  const out: Ratio[] = [];
  const workloads = [...new Set(rows.filter((r) => r.kind !== 'sgemm').map((r) => r.workload))];
  for (const workload of workloads) {
    const peers = [...new Set(rows.filter((r) => r.workload === workload && r.family !== PUBLIC && r.family !== 'fastrnn kernel').map((r) => r.family))];
    for (const peer of peers) {
      const theirs = rows.filter((r) => r.workload === workload && r.family === peer && ok(r));
      if (!theirs.length) continue;
      const best = fastrnnRate(rows, workload);
      const byThreads: Record<number, number> = {};
      for (const r of theirs) {
        const mine = fastrnnRate(rows, workload, r.threads);
        if (mine !== undefined) byThreads[r.threads] = mine / r.rate!;
      }
      out.push({ workload, peer, best: best === undefined ? undefined : best / Math.max(...theirs.map((r) => r.rate!)), byThreads });
    }
  }
  return out;
}

export const TABLE_HEADERS = ['workload', 'system', 'rate', 'GFLOP/s', '% sgemm', 'fastrnn best ÷', 'same threads ÷', 'peak RSS MB'];

/** The printed table's cells: every row that ran (or was capped / failed while running). */
export function tableCells(rows: Row[]): string[][] {
  const ceil = ceilings(rows);
  const shown = rows.filter((r) => r.status === 'ok' || r.status === 'capped' || r.status === 'error');
  return shown.map((r) => {
    const isPeer = r.family !== PUBLIC && r.family !== 'fastrnn kernel' && r.kind !== 'sgemm';
    const best = fastrnnRate(rows, r.workload), same = fastrnnRate(rows, r.workload, r.threads);
    const rate = ok(r) ? `${num(r.rate, r.rate! < 100 ? 1 : 0)} ${r.unit}` : r.status;
    return [
      r.workload, r.system, rate, ok(r) ? num(r.gflops, 1) : '—',
      ok(r) && r.kind !== 'sgemm' && ceil[r.threads] ? `${num((100 * r.gflops!) / ceil[r.threads], 0)}%` : '—',
      isPeer && ok(r) && best ? ratio(best / r.rate!) : '—',
      isPeer && ok(r) && same ? ratio(same / r.rate!) : '—',
      num(r.peakRssMB, 0),
    ];
  });
}

/** Rows that did not run (or were cut), grouped: "system — reason: workloads". */
export function notRun(rows: Row[]): string[] {
  const groups = new Map<string, string[]>();
  for (const r of rows.filter((x) => x.status !== 'ok')) {
    const key = `${r.status === 'skipped' ? 'skipped' : r.status}: ${r.system} — ${r.note ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r.workload]);
  }
  return [...groups].map(([k, ws]) => `${k} [${ws.length === 1 ? ws[0] : `${ws.length} workloads: ${ws.join('; ')}`}]`);
}

export const RATIO_HEADERS = ['workload', 'peer', 'best ÷ best', '1 ÷ 1', '2 ÷ 2'];
export function ratioCells(rs: Ratio[]): string[][] {
  return rs.map((r) => [r.workload, r.peer, ratio(r.best), ratio(r.byThreads[1]), ratio(r.byThreads[2])]);
}

/** A GitHub-flavoured markdown table (for the README). */
export function markdown(headers: string[], cells: string[][]): string {
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...cells.map(line)].join('\n');
}

const PEER_COLUMNS: Family[] = ['PyTorch', 'onnxruntime-node', 'TensorFlow.js wasm', 'TensorFlow.js cpu', 'brain.js', 'fastrnn reference'];
export const SUMMARY_HEADERS = ['workload', 'fastrnn (best threads)', ...PEER_COLUMNS.map((p) => `${p} (best)`)];

/** One line per workload: fastrnn's best rate, then each peer's best rate and fastrnn's ratio over it. */
export function summaryCells(rows: Row[]): string[][] {
  const workloads = [...new Set(rows.filter((r) => r.kind !== 'sgemm').map((r) => r.workload))];
  const rs = ratios(rows);
  return workloads.map((w) => {
    const mine = rows.filter((r) => r.workload === w && r.family === PUBLIC && ok(r)).sort((a, b) => b.rate! - a.rate!)[0];
    const cells = PEER_COLUMNS.map((p) => {
      const theirs = rows.filter((r) => r.workload === w && r.family === p);
      const best = theirs.filter(ok).sort((a, b) => b.rate! - a.rate!)[0];
      if (best) return `${num(best.rate, best.rate! < 100 ? 1 : 0)}${best.threads > 1 || p === 'PyTorch' || p === 'onnxruntime-node' ? ` (${best.threads}t)` : ''} → ${ratio(rs.find((r) => r.workload === w && r.peer === p)?.best)}`;
      return theirs[0]?.status ?? '—';
    });
    return [w, mine ? `${num(mine.rate, 0)} ${mine.unit} (${mine.threads}t)` : '—', ...cells];
  });
}
