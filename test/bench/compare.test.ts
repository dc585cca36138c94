/**
 * The side-by-side benchmark's harness (bench/compare): ratios, table and targets on made-up rows, and one
 * tiny end-to-end run — fastrnn's engines in child processes, peers that are missing reported as skipped
 * with their install command, JSON and markdown written. The peers themselves are not run here.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatText, runBenchmark } from '../../bench/compare/harness.js';
import type { Policy, Row } from '../../bench/compare/measure.js';
import { ceilings, ratios, tableCells } from '../../bench/compare/report.js';
import { allSystems } from '../../bench/compare/systems.js';
import { issue10Targets } from '../../bench/compare/targets.js';
import { stepFlops, type Workload } from '../../bench/compare/workloads.js';

function row(workload: string, system: string, family: Row['family'], threads: number, rate: number, kind: Row['kind'] = 'train'): Row {
  return { workload, kind, unit: kind === 'sgemm' ? 'GFLOP/s' : 'seq/s', system, family, threads, status: 'ok', rate, gflops: kind === 'sgemm' ? rate : rate / 100, peakRssMB: 100 };
}

describe('bench/compare: ratios, table, targets', () => {
  const w = 'train LSTM B32 T64 H128';
  const rows: Row[] = [
    row('sgemm 1024³', 'PyTorch 1c', 'PyTorch', 1, 90, 'sgemm'), row('sgemm 1024³', 'PyTorch 2c', 'PyTorch', 2, 180, 'sgemm'),
    row('sgemm 1024³', 'fastrnn kernel 2t', 'fastrnn kernel', 2, 200, 'sgemm'),
    row(w, 'fastrnn native 1t', 'fastrnn', 1, 1000), row(w, 'fastrnn native 2t', 'fastrnn', 2, 1500),
    row(w, 'PyTorch 1c', 'PyTorch', 1, 500), row(w, 'PyTorch 2c', 'PyTorch', 2, 400),
    { ...row(w, 'onnxruntime-node 1t', 'onnxruntime-node', 1, 0), status: 'n/a', rate: undefined, note: 'inference only' },
  ];

  it('takes the better GEMM as the ceiling per core count', () => {
    expect(ceilings(rows)).toEqual({ 1: 90, 2: 200 });
  });

  it('compares best setting with best setting and thread for thread', () => {
    const r = ratios(rows).filter((x) => x.workload === w);
    expect(r).toHaveLength(1);
    expect(r[0].peer).toBe('PyTorch');
    expect(r[0].best).toBeCloseTo(1500 / 500);
    expect(r[0].byThreads[1]).toBeCloseTo(1000 / 500);
    expect(r[0].byThreads[2]).toBeCloseTo(1500 / 400);
  });

  it('prints ratios on peer rows only and leaves not-run rows out of the table', () => {
    const cells = tableCells(rows).filter((c) => c[0] === w);
    expect(cells.map((c) => c[1])).toEqual(['fastrnn native 1t', 'fastrnn native 2t', 'PyTorch 1c', 'PyTorch 2c']);
    expect(cells[0][5]).toBe('—');
    expect(cells[2][5]).toBe('3.00×');
    expect(cells[3][6]).toBe('3.75×');
    expect(cells[1][4]).toBe(`${Math.round((100 * 15) / 200)}%`);
  });

  it('judges the training target and reports missing figures as such', () => {
    const ts = issue10Targets(rows, [], 20);
    expect(ts.find((t) => t.name.startsWith(`${w}: fastrnn ≥ 2× PyTorch`))).toMatchObject({ status: 'met', value: 3 });
    expect(ts.filter((t) => t.name.startsWith('memory')).every((t) => t.status === 'no figure')).toBe(true);
  });
});

describe('bench/compare: a tiny run end to end', () => {
  it('measures fastrnn in child processes and reports missing peers as skipped', async () => {
    const tiny = (kind: 'train' | 'infer' | 'decode'): Workload => ({
      id: `${kind} LSTM B2 T3 H8`, kind, cell: 'lstm', B: 2, T: kind === 'decode' ? 1 : 3, H: 8, I: 8, unit: kind === 'decode' ? 'tok/s' : 'seq/s', perStep: 2,
    });
    const systems = allSystems({ peersDir: mkdtempSync(join(tmpdir(), 'no-peers-')), python: '/nonexistent/python3' })
      .filter((s) => ['fastrnn native 1t', 'fastrnn reference', 'PyTorch 1c', 'onnxruntime-node 1t', 'brain.js'].includes(s.id));
    const policy: Policy = { reps: 2, targetMs: 5, warmMs: 5, slowReps: 1, slowCapMs: 10_000, timeoutMs: 60_000, budgetMs: 1000 };
    const outDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const result = await runBenchmark({
      workloads: [tiny('train'), tiny('infer'), tiny('decode')], systems, policy,
      memorySystems: systems.filter((s) => s.id === 'fastrnn native 1t' || s.id === 'PyTorch 1c'), memorySteps: 4, outDir,
    });

    const get = (workload: string, system: string) => result.rows.find((r) => r.workload === workload && r.system === system)!;
    for (const w of ['train', 'infer', 'decode']) {
      for (const s of ['fastrnn native 1t', 'fastrnn reference']) {
        const r = get(`${w} LSTM B2 T3 H8`, s);
        expect(r.status, `${w} ${s}: ${r.note}`).toBe('ok');
        expect(r.rate).toBeGreaterThan(0);
        expect(r.gflops).toBeCloseTo(stepFlops(tiny(w as 'train')) / (r.msPerStep! * 1e6));
        expect(r.peakRssMB).toBeGreaterThan(10);
      }
      expect(get(`${w} LSTM B2 T3 H8`, 'PyTorch 1c')).toMatchObject({ status: 'skipped', note: expect.stringContaining('apt-get install -y python3-torch') });
      expect(get(`${w} LSTM B2 T3 H8`, 'onnxruntime-node 1t')).toMatchObject({ status: 'skipped', note: expect.stringContaining('npm run bench:peers') });
    }
    expect(result.rows.some((r) => r.system === 'brain.js' && r.kind === 'decode')).toBe(true);
    const ref = ratios(result.rows).find((r) => r.workload === 'train LSTM B2 T3 H8' && r.peer === 'fastrnn reference')!;
    expect(ref.best).toBeCloseTo(get('train LSTM B2 T3 H8', 'fastrnn native 1t').rate! / get('train LSTM B2 T3 H8', 'fastrnn reference').rate!);

    const [mine, torch] = result.memory;
    expect(mine).toMatchObject({ system: 'fastrnn native 1t', status: 'ok', steps: 4 });
    expect(mine.addedMB).toBeGreaterThan(0);
    expect(mine.samplesMB).toHaveLength(5);
    expect(torch).toMatchObject({ system: 'PyTorch 1c', status: 'skipped' });

    const text = formatText(result);
    expect(text).toContain('skipped: onnxruntime-node 1t');
    expect(text).toContain('npm run bench:peers');
    expect(text).toMatch(/train LSTM B2 T3 H8\s+fastrnn reference/);
    const json = JSON.parse(readFileSync(result.files!.json, 'utf8'));
    expect(json.rows).toHaveLength(result.rows.length);
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(readFileSync(result.files!.markdown, 'utf8')).toContain('| workload | system |');
  }, 180_000);
});
