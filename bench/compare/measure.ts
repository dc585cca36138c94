/**
 * One workload across every system: each system in its own long-lived child process, warmed up, then
 * repetitions interleaved round by round (A, B, C, A, B, C, …) so a slow spell of a shared machine hits
 * all systems alike; the row keeps the median. Slow systems get a time cap per measurement and fewer
 * repetitions; once a system has been capped (or measured) on a smaller workload, larger ones it could
 * not finish within the cap are skipped from that estimate instead of being started.
 */
import { Child, ChildTimeout, type Reply } from './child.js';
import type { Family, System } from './systems.js';
import { stepFlops, type Workload } from './workloads.js';

export type Status = 'ok' | 'n/a' | 'skipped' | 'capped' | 'error';

export interface Row {
  workload: string;
  kind: Workload['kind'];
  unit: Workload['unit'];
  system: string;
  family: Family;
  threads: number;
  status: Status;
  note?: string;
  msPerStep?: number;
  /** sequences/s, tokens/s or GFLOP/s (the workload's unit) */
  rate?: number;
  gflops?: number;
  reps?: number;
  itersPerRep?: number;
  /** every repetition's milliseconds per step, in the order run */
  repMs?: number[];
  peakRssMB?: number;
}

export interface Policy {
  reps: number;
  /** milliseconds one repetition of a fast system should last (iterations per rep chosen at warm-up) */
  targetMs: number;
  warmMs: number;
  slowReps: number;
  /** a slow system's step longer than this is not measured (status 'capped') */
  slowCapMs: number;
  /** any reply slower than this kills the child */
  timeoutMs: number;
  /** a fast system whose steps are long gets fewer repetitions (at least 3) to stay near this per workload */
  budgetMs: number;
}

export const FULL: Policy = { reps: 5, targetMs: 250, warmMs: 300, slowReps: 1, slowCapMs: 5000, timeoutMs: 300_000, budgetMs: 10_000 };
export const QUICK: Policy = { reps: 3, targetMs: 120, warmMs: 150, slowReps: 1, slowCapMs: 2500, timeoutMs: 120_000, budgetMs: 5000 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Child processes by system id, started on first use and again after one was killed. */
export class Pool {
  private children = new Map<string, Child>();
  async get(s: System, timeoutMs: number): Promise<Child> {
    const have = this.children.get(s.id);
    if (have && !have.exited) return have;
    const child = new Child(s.launch());
    this.children.set(s.id, child);
    const hello = await child.next(timeoutMs);
    if (hello.type !== 'hello') throw new Error(`expected hello, received ${JSON.stringify(hello).slice(0, 200)}`);
    return child;
  }
  async closeAll(): Promise<void> {
    await Promise.all([...this.children.values()].map((c) => c.close()));
    this.children.clear();
  }
}

/** What the slow systems taught so far: GFLOP/s reached, or FLOPs that did not fit in the cap. */
export class Learned {
  private seen = new Map<string, { gflops?: number; cappedFlops?: number }>();
  private key = (s: System, w: Workload) => `${s.id} ${w.kind} ${w.cell}`;
  measured(s: System, w: Workload, gflops: number): void {
    const k = this.seen.get(this.key(s, w)) ?? {};
    k.gflops = Math.max(k.gflops ?? 0, gflops);
    this.seen.set(this.key(s, w), k);
  }
  capped(s: System, w: Workload): void {
    const k = this.seen.get(this.key(s, w)) ?? {};
    k.cappedFlops = Math.min(k.cappedFlops ?? Infinity, stepFlops(w));
    this.seen.set(this.key(s, w), k);
  }
  /** Why a slow system should not be started on this workload, or null. */
  predictCap(s: System, w: Workload, capMs: number): string | null {
    const k = this.seen.get(this.key(s, w));
    const flops = stepFlops(w);
    if (k?.cappedFlops !== undefined && flops >= k.cappedFlops) return `capped: a ${w.kind} ${w.cell.toUpperCase()} step no larger already took more than ${capMs / 1000} s`;
    if (k?.gflops && flops / (k.gflops * 1e6) > capMs) {
      return `capped: ~${(flops / (k.gflops * 1e9)).toFixed(0)} s a step at the ${k.gflops.toFixed(2)} GFLOP/s it reached on a smaller ${w.kind} ${w.cell.toUpperCase()} step (cap ${capMs / 1000} s)`;
    }
    return null;
  }
}

function baseRow(w: Workload, s: System, status: Status, note?: string): Row {
  return { workload: w.id, kind: w.kind, unit: w.unit, system: s.id, family: s.family, threads: s.threads, status, note };
}

function expect(r: Reply, type: Reply['type']): void {
  if (r.type === 'error') throw new Error(String(r.message));
  if (r.type !== type) throw new Error(`expected ${type}, received ${JSON.stringify(r).slice(0, 200)}`);
}

interface Active {
  s: System;
  child: Child;
  iters: number;
  maxReps: number;
  times: number[];
  row?: Row;
}

export async function measureWorkload(w: Workload, systems: System[], pool: Pool, policy: Policy, learned: Learned, log: (m: string) => void = () => {}): Promise<Row[]> {
  const rows: Row[] = [];
  const active: Active[] = [];
  const capOf = (s: System) => (s.slow ? policy.slowCapMs : policy.timeoutMs);
  for (const s of systems.filter((x) => x.kinds.includes(w.kind))) {
    const missing = s.missing();
    const na = s.notApplicable(w);
    const capped = s.slow ? learned.predictCap(s, w, policy.slowCapMs) : null;
    if (missing) rows.push(baseRow(w, s, 'skipped', missing));
    else if (na) rows.push(baseRow(w, s, 'n/a', na));
    else if (capped) rows.push(baseRow(w, s, 'capped', capped));
    else {
      try {
        const child = await pool.get(s, policy.timeoutMs);
        const ready = await child.request({ cmd: 'setup', workload: w }, policy.timeoutMs);
        if (ready.type === 'na') rows.push(baseRow(w, s, 'n/a', String(ready.reason)));
        else {
          expect(ready, 'ready');
          active.push({ s, child, iters: 1, maxReps: s.slow ? policy.slowReps : policy.reps, times: [] });
        }
      } catch (err) {
        rows.push(baseRow(w, s, 'error', (err as Error).message));
      }
    }
  }
  const fail = (a: Active, err: unknown) => (a.row = baseRow(w, a.s, 'error', (err as Error).message));
  for (const a of active) {
    try {
      const capMs = capOf(a.s);
      // a slow system's first step that runs far past the cap is stopped (the child is killed and restarted later)
      const warm = await a.child.request({ cmd: 'warmup', capMs, warmMs: a.s.slow ? 0 : policy.warmMs }, a.s.slow ? 1.5 * capMs + 3000 : capMs * 2 + 30_000)
        .catch((err) => {
          if (a.s.slow && err instanceof ChildTimeout) return { type: 'capped', stepMs: 1.5 * capMs + 3000, stopped: true } as Reply;
          throw err;
        });
      if (warm.type === 'capped') {
        learned.capped(a.s, w);
        const took = warm.stopped ? `more than ${(Number(warm.stepMs) / 1000).toFixed(0)} s (stopped)` : `${(Number(warm.stepMs) / 1000).toFixed(1)} s`;
        a.row = baseRow(w, a.s, 'capped', `capped: one step took ${took} (cap ${capMs / 1000} s)`);
        continue;
      }
      expect(warm, 'warm');
      const stepMs = Number(warm.stepMs);
      // iterations per repetition: enough to last targetMs (a slow system's warm-up is its single first step,
      // slower than the rest, so short steps still get many iterations)
      a.iters = Math.max(1, Math.min(100_000, Math.round(policy.targetMs / stepMs)));
      if (!a.s.slow) a.maxReps = Math.max(Math.min(3, policy.reps), Math.min(policy.reps, Math.floor(policy.budgetMs / (a.iters * stepMs))));
    } catch (err) {
      fail(a, err);
    }
  }
  const rounds = Math.max(0, ...active.map((a) => a.maxReps));
  for (let r = 0; r < rounds; r++) {
    for (const a of active) {
      if (a.row || a.times.length >= a.maxReps) continue;
      try {
        const rep = await a.child.request({ cmd: 'rep', iters: a.iters }, policy.timeoutMs);
        expect(rep, 'rep');
        a.times.push(Number(rep.ms));
      } catch (err) {
        fail(a, err);
      }
    }
  }
  for (const a of active) {
    let peak: number | undefined;
    try {
      const fin = await a.child.request({ cmd: 'finish' }, policy.timeoutMs);
      if (fin.type === 'finished') peak = Number(fin.peakRssMB);
    } catch {
      /* the row keeps its figures without a peak */
    }
    if (!a.row) {
      const ms = median(a.times);
      const gflops = stepFlops(w) / (ms * 1e6);
      if (a.s.slow) learned.measured(a.s, w, gflops);
      a.row = { ...baseRow(w, a.s, 'ok'), msPerStep: ms, rate: w.unit === 'GFLOP/s' ? gflops : w.perStep / (ms / 1000), gflops, reps: a.times.length, itersPerRep: a.iters, repMs: a.times };
    }
    a.row.peakRssMB = peak;
    rows.push(a.row);
    log(`  ${w.id} · ${a.s.id}: ${a.row.status === 'ok' ? `${a.row.rate!.toFixed(1)} ${w.unit}` : a.row.status + ' ' + (a.row.note ?? '')}`);
  }
  const order = new Map(systems.map((s, i) => [s.id, i]));
  return rows.sort((a, b) => order.get(a.system)! - order.get(b.system)!);
}
